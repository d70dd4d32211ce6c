// The order form: "+ Add line" clones the empty line; a picked product shows its list
// price as the unit price's placeholder.
(function () {
  function ready() {
    const rows = document.getElementById("line-rows");
    const total = document.getElementById("id_lines-TOTAL_FORMS");
    if (!rows || !total) return;
    rows.addEventListener("picked", (event) => {
      const picker = event.target.closest("[data-picker]");
      const price = rows.querySelector("#id_" + picker.dataset.picker.replace(/-product$/, "-unit_price"));
      if (price) price.placeholder = event.detail.price || "";
    });
    document.getElementById("add-line").addEventListener("click", () => {
      const html = document.getElementById("empty-line").innerHTML.replace(/__prefix__/g, total.value);
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(Number(total.value) + 1);
      if (window.htmx) window.htmx.process(rows.lastElementChild);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
