// Type-ahead pickers (kehu/crm/picker.py): choosing a match puts its label in the search
// box, folds the list to the chosen option and tells the page with a bubbling "picked"
// event. Arrow keys move through the matches without folding; Enter or a click folds.
(function () {
  if (window.kehuPicker) return;
  window.kehuPicker = true;
  const RADIO = "[data-picker] .picker-option input[type=radio]";
  let arrowing = false;

  function choose(radio, fold) {
    const picker = radio.closest("[data-picker]");
    picker.querySelector(".picker-query").value = radio.dataset.label || "";
    picker.querySelectorAll(".picker-option").forEach((option) => {
      option.classList.toggle("chosen", option.contains(radio));
    });
    picker.classList.toggle("picked", fold);
    picker.dispatchEvent(new CustomEvent("picked", { bubbles: true, detail: radio.dataset }));
  }

  document.addEventListener("change", (event) => {
    const radio = event.target;
    if (radio.matches && radio.matches(RADIO)) choose(radio, !arrowing);
    arrowing = false;
  });
  document.addEventListener("input", (event) => {
    const query = event.target;
    if (query.matches && query.matches("[data-picker] .picker-query")) {
      query.closest("[data-picker]").classList.remove("picked");
    }
  });
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (!target.matches) return;
    if (target.matches(RADIO)) {
      arrowing = event.key.startsWith("Arrow");
      if (event.key === "Enter") {
        event.preventDefault();
        target.checked = true;
        choose(target, true);
      }
      return;
    }
    if (!target.matches("[data-picker] .picker-query")) return;
    const first = target.closest("[data-picker]").querySelector(RADIO);
    if (event.key === "Enter") {
      // Enter takes the first match instead of submitting a half-typed form
      event.preventDefault();
      if (first) { first.checked = true; choose(first, true); }
    } else if (event.key === "ArrowDown" && first) {
      event.preventDefault();
      first.focus();
    }
  });
})();
