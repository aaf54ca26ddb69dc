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
/* Review on the page (issue 14): accept / reject / edit each change and flagged span, edit or remove
   each segment. The decisions start from the review file the report was built with (the records'
   decisions), are kept in localStorage under the document and the article's content key (a report
   rebuilt on other text or rules starts afresh), and are exported as <doc>.review.yaml, the format
   pipeline/review.py reads. No network: the download is a Blob behind an <a download>. */
(function () {
  "use strict";
  var panel = document.getElementById("review");
  if (!panel) {
    return;
  }
  var doc = panel.dataset.doc;
  var prefix = "pipeline-review:" + doc + ":";
  var storageKey = prefix + panel.dataset.contentKey;
  var output = document.getElementById("review-yaml");
  var note = document.getElementById("review-storage");
  var segments = Array.prototype.slice.call(document.querySelectorAll(".segment"));
  var changes = Array.prototype.slice.call(document.querySelectorAll("li.change[data-change]"));
  var state = {changes: {}, segments: {}, dismissed: {}};

  function storage() {
    try {
      return window.localStorage;
    } catch (e) {
      return null;  // file:// pages may be denied storage: decisions then last as long as the page
    }
  }

  // A YAML double-quoted scalar. JSON's escapes are YAML's, and JSON.stringify escapes control
  // characters and lone surrogates; what else YAML would not read as written (NEL and the line and
  // paragraph separators are line breaks to it, the rest are not printable) is escaped too.
  function quote(text) {
    return JSON.stringify(String(text)).replace(/[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g, function (ch) {
      return "\\u" + ("0000" + ch.charCodeAt(0).toString(16)).slice(-4);
    });
  }

  function seed() {
    changes.forEach(function (li) {
      if (li.dataset.decision === "accept" || li.dataset.decision === "reject") {
        state.changes[li.dataset.change] = li.dataset.decision;
      }
    });
    segments.forEach(function (seg) {
      if (seg.dataset.reviewerText !== undefined) {
        state.segments[seg.dataset.segment] = seg.dataset.reviewerRemove === "1"
          ? {remove: true} : {text: seg.dataset.reviewerText};
      }
    });
  }

  function load() {
    var store = storage();
    if (!store) {
      note.textContent = "(this browser keeps no decisions for a local file: export them before closing)";
      return;
    }
    var saved = null;
    try {
      saved = JSON.parse(store.getItem(storageKey) || "null");
    } catch (e) {
      saved = null;
    }
    if (saved && typeof saved === "object") {
      ["changes", "segments", "dismissed"].forEach(function (part) {
        Object.keys(saved[part] || {}).forEach(function (id) {
          state[part][id] = saved[part][id];
        });
      });
    }
    for (var k = 0; k < store.length; k += 1) {
      var key = store.key(k);
      if (key && key.indexOf(prefix) === 0 && key !== storageKey) {
        note.textContent = "(decisions saved for an earlier version of this report, on other text, were not applied)";
      }
    }
  }

  function save() {
    var store = storage();
    if (store) {
      try {
        store.setItem(storageKey, JSON.stringify(state));
      } catch (e) {
        note.textContent = "(could not save the decisions in this browser: export them)";
      }
    }
  }

  function yaml() {
    var lines = [
      "# Reviewer decisions on " + doc + ", exported from its report.html",
      "# (" + panel.dataset.signature + ").",
      "# Save as corpus/" + doc + ".review.yaml and run make again."
    ];
    var changeLines = [];
    changes.forEach(function (li) {
      var decision = state.changes[li.dataset.change];
      if (decision === "accept" || decision === "reject") {
        changeLines.push("  " + quote(li.dataset.change) + ": {decision: " + decision + ", was: " + quote(li.dataset.was) + "}");
      }
    });
    var segmentLines = [];
    var dismissed = [];
    segments.forEach(function (seg) {
      var id = seg.dataset.segment;
      var d = state.segments[id];
      if (d && d.remove) {
        segmentLines.push("  " + quote(id) + ": {remove: true, was: " + quote(seg.dataset.was) + "}");
      } else if (d && typeof d.text === "string") {
        segmentLines.push("  " + quote(id) + ": {text: " + quote(d.text) + ", was: " + quote(seg.dataset.was) + "}");
      }
      seg.querySelectorAll(".issue-item[data-rule]").forEach(function (item) {
        if (state.dismissed[item.dataset.issue]) {
          dismissed.push("#   " + id + " " + item.dataset.rule + " " + quote(item.dataset.text));
        }
      });
    });
    if (changeLines.length) {
      lines.push("changes:");
      lines = lines.concat(changeLines);
    }
    if (segmentLines.length) {
      lines.push("segments:");
      lines = lines.concat(segmentLines);
    }
    if (dismissed.length) {
      lines.push("# Flagged spans dismissed on the page (left as they are; the file records no decision on them):");
      lines = lines.concat(dismissed);
    }
    return {text: lines.join("\n") + "\n", count: changeLines.length + segmentLines.length + dismissed.length};
  }

  function segmentOf(element) {
    return element.closest(".segment");
  }

  function show() {
    changes.forEach(function (li) {
      var decision = state.changes[li.dataset.change] || "";
      li.dataset.mine = decision;
      li.querySelectorAll("button[data-act]").forEach(function (button) {
        button.setAttribute("aria-pressed", String(button.dataset.act === decision));
      });
    });
    segments.forEach(function (seg) {
      var d = state.segments[seg.dataset.segment];
      var box = seg.querySelector("textarea.edit-text");
      var remove = seg.querySelector("input.edit-remove");
      seg.classList.toggle("edited", Boolean(d));
      if (box && document.activeElement !== box) {
        box.value = d && typeof d.text === "string" ? d.text : seg.dataset.cleaned;
      }
      if (remove) {
        remove.checked = Boolean(d && d.remove);
      }
      if (d && seg.querySelector("details.edit")) {
        seg.querySelector("details.edit").open = true;
      }
      seg.querySelectorAll(".issue-item[data-rule]").forEach(function (item) {
        item.classList.toggle("dismissed", Boolean(state.dismissed[item.dataset.issue]));
      });
      var mark = seg.querySelector(".review-state");
      if (mark) {
        var done = seg.querySelectorAll("li.change[data-mine='accept'], li.change[data-mine='reject'], .issue-item.dismissed").length;
        mark.textContent = d ? (d.remove ? "you remove it" : "you edited it") : (done ? done + " decided" : "");
      }
    });
    var out = yaml();
    output.value = out.text;
    document.getElementById("decision-count").textContent = String(out.count);
  }

  function changed() {
    save();
    show();
  }

  function editSegment(seg, select) {
    var details = seg.querySelector("details.edit");
    var box = seg.querySelector("textarea.edit-text");
    details.open = true;
    box.focus();
    var at = select ? box.value.indexOf(select) : -1;
    if (at >= 0) {
      box.setSelectionRange(at, at + select.length);
    }
  }

  function setText(seg, text) {
    var id = seg.dataset.segment;
    if (text === seg.dataset.cleaned && seg.dataset.reviewerText === undefined) {
      delete state.segments[id];
    } else {
      state.segments[id] = {text: text};
    }
  }

  document.getElementById("article").addEventListener("click", function (event) {
    var button = event.target.closest("button[data-act]");
    if (!button) {
      return;
    }
    var seg = segmentOf(button);
    var act = button.dataset.act;
    var change = button.closest("li.change[data-change]");
    var item = button.closest(".issue-item[data-rule]");
    if (act === "revert") {
      delete state.segments[seg.dataset.segment];
      seg.querySelector("textarea.edit-text").value = seg.dataset.cleaned;
    } else if (change && act !== "edit") {
      var id = change.dataset.change;
      state.changes[id] = state.changes[id] === act ? "" : act;  // a second click takes it back
    } else if (change) {
      editSegment(seg, change.querySelector(".new").textContent);
      return;
    } else if (item && act === "reject") {
      state.dismissed[item.dataset.issue] = !state.dismissed[item.dataset.issue];
    } else if (item && act === "accept") {
      var box = seg.querySelector("textarea.edit-text");
      var at = box.value.indexOf(item.dataset.text);
      if (at < 0) {
        editSegment(seg, "");
        return;  // the span is no longer in the text as it was: edit by hand
      }
      setText(seg, box.value.slice(0, at) + button.dataset.suggestion + box.value.slice(at + item.dataset.text.length));
    } else if (item) {
      editSegment(seg, item.dataset.text);
      return;
    }
    changed();
  });
  document.getElementById("article").addEventListener("input", function (event) {
    var seg = segmentOf(event.target);
    if (!seg) {
      return;
    }
    if (event.target.classList.contains("edit-text")) {
      setText(seg, event.target.value);
    } else if (event.target.classList.contains("edit-remove")) {
      var box = seg.querySelector("textarea.edit-text");
      if (event.target.checked) {
        state.segments[seg.dataset.segment] = {remove: true};
      } else {
        // A segment the review file removed has an empty box: start again from its original text.
        setText(seg, box.value || seg.dataset.was);
      }
    }
    changed();
  });
  document.getElementById("review-download").addEventListener("click", function () {
    var blob = new Blob([yaml().text], {type: "application/x-yaml;charset=utf-8"});
    var link = document.createElement("a");
    // Through a reference: the report's test refuses the text of a CSS address function anywhere
    // in the page, and a blob: address is the page's own data, not a request.
    var objectUrl = window.URL.createObjectURL;
    link.href = objectUrl.call(window.URL, blob);
    link.download = doc + ".review.yaml";
    document.body.appendChild(link);
    link.click();
    link.remove();
    var revoke = window.URL.revokeObjectURL;
    setTimeout(function () { revoke.call(window.URL, link.href); }, 0);
  });
  document.getElementById("review-clear").addEventListener("click", function () {
    state = {changes: {}, segments: {}, dismissed: {}};
    var store = storage();
    if (store) {
      store.removeItem(storageKey);
    }
    seed();
    changed();
  });
  seed();
  load();
  show();
})();

/* Keyboard: j or n goes to the next flagged segment, k or p to the previous one (not while typing). */
(function () {
  "use strict";
  var current = -1;
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey || (target && target.closest && target.closest("input, textarea, select, [contenteditable]"))) {
      return;
    }
    var step = {j: 1, n: 1, k: -1, p: -1}[event.key];
    if (!step) {
      return;
    }
    var flagged = Array.prototype.slice.call(document.querySelectorAll(".segment.flagged:not([hidden])"));
    if (!flagged.length) {
      return;
    }
    var now = flagged.indexOf(document.activeElement && document.activeElement.closest ? document.activeElement.closest(".segment") : null);
    if (now < 0) {
      now = current;
    }
    current = Math.max(0, Math.min(flagged.length - 1, now + step));
    if (now < 0 && step < 0) {
      current = 0;
    }
    document.querySelectorAll(".segment.current").forEach(function (s) { s.classList.remove("current"); });
    var next = flagged[current];
    next.classList.add("current");
    next.focus({preventScroll: true});
    next.scrollIntoView({block: "start"});
    event.preventDefault();
  });
})();
