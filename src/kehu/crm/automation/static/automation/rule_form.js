// The rule form: only the chosen trigger's parameters and the chosen actions' settings
// are shown (without JavaScript every field shows, each saying what it is for).
(function () {
  function ready() {
    const form = document.getElementById("rule-form");
    if (!form) return;
    const trigger = form.querySelector("#id_trigger");
    function update() {
      form.querySelectorAll("[data-triggers]").forEach((field) => {
        field.hidden = !field.dataset.triggers.split(" ").includes(trigger.value);
      });
      form.querySelectorAll("[data-action]").forEach((field) => {
        const box = form.querySelector("#id_do_" + field.dataset.action);
        field.hidden = box ? !box.checked : false;
      });
    }
    form.addEventListener("change", update);
    update();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
