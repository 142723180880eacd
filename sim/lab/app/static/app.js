// The classroom page's only script: a progress indicator while a campaign runs, and
// showing the custom-vacancy and manual-targeting fields only when they apply.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("progress");
  for (const form of document.querySelectorAll("form.runs")) {
    form.addEventListener("submit", () => {
      if (!box) return;
      box.hidden = false;
      const started = performance.now();
      const out = document.getElementById("elapsed");
      const tick = () => {
        out.textContent = ((performance.now() - started) / 1000).toFixed(1);
        box.dataset.timer = String(requestAnimationFrame(tick));
      };
      tick();
    });
  }
  window.addEventListener("pageshow", () => { if (box) box.hidden = true; });
  for (const part of document.querySelectorAll("[data-show-when]")) {
    const [name, value] = part.dataset.showWhen.split("=");
    const form = part.closest("form");
    const field = form && form.elements[name];
    if (!field) continue;
    const update = () => { part.hidden = field.value !== value; };
    field.addEventListener("change", update);
    update();
  }
});
