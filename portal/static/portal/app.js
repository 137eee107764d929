// Tandem's small client-side layer. Loaded as a file: the CSP forbids inline script.
(function () {
  "use strict";

  // <form data-confirm="Really cancel?">: ask before submitting a destructive action.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // <select data-autosubmit> submits its form on change (list filters).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
    }
  });

  // Success messages fade out on their own; errors stay until dismissed.
  window.addEventListener("load", function () {
    document.querySelectorAll(".messages .alert-success, .messages .alert-info").forEach(function (alert) {
      window.setTimeout(function () {
        if (window.bootstrap && document.body.contains(alert)) {
          window.bootstrap.Alert.getOrCreateInstance(alert).close();
        }
      }, 6000);
    });
  });
})();

// <button data-print>: print the page (call sheets).
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-print]");
  if (button) { window.print(); }
});

// <button data-fill="target-id" data-source="source-id">: copy one field's text into another
// (the persona conflict view: "use theirs", "use mine").
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-fill]");
  if (!button) { return; }
  var target = document.getElementById(button.getAttribute("data-fill"));
  var source = document.getElementById(button.getAttribute("data-source"));
  if (target && source) {
    target.value = source.value;
    target.focus();
  }
});

// <span data-left="seconds" data-from="ISO" data-until="ISO">: keep SLA countdowns current
// without reloading the page. The clock counts working time only: data-left is what is left
// at data-from (now, or when a paused clock resumes), and it ticks until data-until (the end
// of that working stretch; empty: it never pauses). data-paused / data-later say so.
(function () {
  function human(seconds) {
    seconds = Math.abs(Math.floor(seconds));
    var days = Math.floor(seconds / 86400), hours = Math.floor((seconds % 86400) / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    if (days) { return days + "d " + hours + "h"; }
    if (hours) { return hours + "h " + minutes + "m"; }
    return minutes + "m";
  }
  function tick() {
    document.querySelectorAll("[data-left]").forEach(function (el) {
      var now = new Date(), from = new Date(el.getAttribute("data-from"));
      var until = el.getAttribute("data-until") ? new Date(el.getAttribute("data-until")) : null;
      var stop = until && now > until ? until : now;
      var left = Number(el.getAttribute("data-left")) - Math.max(0, (stop - from) / 1000);
      var said = left < 0 ? "overdue by " + human(left) : "due in " + human(left);
      var note = now < from ? el.getAttribute("data-paused") : (until && now >= until ? el.getAttribute("data-later") : "");
      el.textContent = note ? said + " \u00b7 " + note : said;
      el.classList.toggle("overdue", left < 0);
      el.classList.toggle("due-soon", left >= 0 && left < 3600);
      el.classList.toggle("due-later", left >= 3600);
    });
  }
  window.setInterval(tick, 30000);
})();

// A Content Security Policy violation is a bug: report it on the console with its source.
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " by " + (event.sourceFile || "?") + ":" +
    event.lineNumber + ":" + event.columnNumber + " sample: " + event.sample);
});
