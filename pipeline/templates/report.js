/* Filters: severity and category hide issues (their highlights and list items), triage hides
   segments; "only segments with shown issues" hides the rest. No network, no globals. */
(function () {
  "use strict";
  var form = document.getElementById("filter-form");
  if (!form) {
    return;
  }
  function checkedValues(name) {
    var values = new Set();
    form.querySelectorAll('input[name="' + name + '"]').forEach(function (input) {
      if (input.checked) {
        values.add(input.value);
      }
    });
    return values;
  }
  function apply() {
    var severities = checkedValues("severity");
    var categories = checkedValues("category");
    var decisions = checkedValues("triage");
    var onlyIssues = document.getElementById("only-issues").checked;
    var visible = {};
    document.querySelectorAll(".issue-item").forEach(function (item) {
      var on = severities.has(item.dataset.severity) && categories.has(item.dataset.category);
      item.hidden = !on;
      visible[item.dataset.issue] = on;
    });
    document.querySelectorAll("mark.issue").forEach(function (mark) {
      var keys = (mark.dataset.issues || "").split(" ");
      var on = keys.some(function (key) { return visible[key] === true; });
      mark.classList.toggle("off", !on);
    });
    var shown = 0;
    document.querySelectorAll(".segment").forEach(function (segment) {
      var on = decisions.has(segment.dataset.triage);
      if (on && onlyIssues) {
        on = segment.querySelector(".issue-item:not([hidden])") !== null;
      }
      segment.hidden = !on;
      if (on) {
        shown += 1;
      }
    });
    document.querySelectorAll(".block").forEach(function (block) {
      block.hidden = block.querySelector(".segment:not([hidden])") === null;
    });
    var counter = document.getElementById("shown-count");
    if (counter) {
      counter.textContent = String(shown);
    }
  }
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.querySelectorAll("button[data-check]").forEach(function (button) {
    button.addEventListener("click", function () {
      var on = button.dataset.check === "all";
      form.querySelectorAll('input[name="' + button.dataset.group + '"]').forEach(function (input) {
        input.checked = on;
      });
      apply();
    });
  });
  apply();
})();
