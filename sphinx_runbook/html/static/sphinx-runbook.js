/* sphinx-runbook: the reader's side of a runbook page.

   - Placeholder forms (one per runbook, built by the extension, hidden
     without JavaScript): a value typed once rewrites every command on the
     page that uses it. Values come from the page's link (?namespace=prod),
     are remembered per site in this browser, and can be cleared. Secret
     placeholders are never stored and never put in the link.
   - Copy buttons: the command without prompts or output, with the reader's
     values (the block's data-runbook-template; data-runbook-copy as
     written). Unfilled placeholders copy as written, with a warning;
     destructive commands need a second click.
   - Filter boxes for the runbook-commands, runbook-symptoms and runbook-report
     listings.

   Everything typed is shown with textContent, never as HTML. Buttons and
   fields are added or shown here, so a page read without JavaScript has no
   dead controls. */
(function () {
  "use strict";

  var ARM_TIMEOUT_MS = 5000;
  var RESET_MS = 2000;
  // Shown instead of a secret's value; the same length whatever the secret.
  var SECRET_MASK = "\u2022\u2022\u2022\u2022\u2022\u2022\u2022\u2022";
  // A value with one of these goes into the commands as typed, which may need
  // quoting: the reader is told, nothing is quoted behind their back.
  var SHELL_SPECIAL = /[\s'"`$\\;&|<>()*?!#~{}[\]]/;

  // The site's root, from this script's own address (<root>/_static/...):
  // every theme loads it from there, so two sites on one host keep two sets
  // of values.
  var script = document.currentScript;
  var siteRoot = script && script.src ? new URL("..", script.src).pathname : "/";
  var STORAGE_KEY = "sphinx-runbook:values:" + siteRoot;

  var values = {};   // placeholder name -> what the reader typed (non-empty)
  var specs = {};    // placeholder name -> {secret, fallback, pattern, patternText}

  /* ---------------------------------------------------------------- storage */

  function readStorage() {
    try {
      var parsed = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "{}");
      return parsed && typeof parsed === "object" ? parsed : {};
    } catch (e) {
      return {};  // storage off (private mode, file:// in some browsers)
    }
  }

  function writeStorage() {
    var stored = readStorage();
    Object.keys(specs).forEach(function (name) {
      if (!specs[name].secret && values[name]) {
        stored[name] = values[name];
      } else {
        delete stored[name];
      }
    });
    try {
      if (Object.keys(stored).length) {
        window.localStorage.setItem(STORAGE_KEY, JSON.stringify(stored));
      } else {
        window.localStorage.removeItem(STORAGE_KEY);
      }
    } catch (e) { /* not remembered: the page still works */ }
  }

  /* -------------------------------------------------------------- the link */

  function writeLink() {
    var params = new URLSearchParams(window.location.search);
    Object.keys(specs).forEach(function (name) {
      if (!specs[name].secret && values[name]) {
        params.set(name, values[name]);
      } else {
        params.delete(name);
      }
    });
    var query = params.toString();
    var url = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
    if (url !== window.location.pathname + window.location.search + window.location.hash) {
      try { window.history.replaceState(window.history.state, "", url); } catch (e) { /* file:// */ }
    }
  }

  /* ---------------------------------------------------------------- values */

  // What the commands use for a placeholder: the reader's value, else the
  // declared default; null when neither (the placeholder stays as written).
  function current(name) {
    if (values[name]) { return { text: values[name], state: "filled" }; }
    var spec = specs[name];
    if (spec && spec.fallback !== null) { return { text: spec.fallback, state: "default" }; }
    return null;
  }

  // The template with the values in; what is left as written: placeholders
  // (missing) and shell variables the shell will have to supply (fromShell).
  function resolve(template) {
    var missing = [];
    var fromShell = [];
    var text = template.map(function (part) {
      if (typeof part === "string") { return part; }
      var now = current(part.name);
      if (now) { return now.text; }
      var left = part.variable ? fromShell : missing;
      if (!part.shell_default && left.indexOf(part.token) === -1) { left.push(part.token); }
      return part.token;
    }).join("");
    return { text: text, missing: missing, fromShell: fromShell };
  }

  function showInCode() {
    document.querySelectorAll(".runbook-command .runbook-placeholder[data-placeholder]")
      .forEach(function (span) {
        var name = span.dataset.placeholder;
        var now = current(name);
        var secret = specs[name] && specs[name].secret;
        if (!now) {
          span.textContent = span.dataset.token;
          span.dataset.state = "unfilled";
          span.title = span.dataset.token + ": not filled in";
          return;
        }
        span.textContent = secret && now.state === "filled" ? SECRET_MASK : now.text;
        span.dataset.state = now.state;
        span.title = span.dataset.token + (now.state === "default" ? " (default)" : "");
      });
    document.querySelectorAll(".runbook-unfilled:not([hidden])").forEach(function (warning) {
      showMissing(warning.closest("[data-runbook-copy]"), warning);
    });
  }

  function noteFor(name, value) {
    var spec = specs[name];
    var notes = [];
    var invalid = false;
    if (value && spec.pattern && !spec.pattern.test(value)) {
      notes.push("Does not match the expected form " + spec.patternText + ".");
      invalid = true;
    }
    if (value && SHELL_SPECIAL.test(value)) {
      notes.push("Has spaces or characters the shell treats specially: it goes into the " +
                 "commands exactly as typed, so check the quoting before running them.");
    }
    return { text: notes.join(" "), invalid: invalid };
  }

  function showInFields(name) {
    document.querySelectorAll(".runbook-values input[data-placeholder]").forEach(function (input) {
      if (input.dataset.placeholder !== name) { return; }
      if (input.value !== (values[name] || "")) { input.value = values[name] || ""; }
      var note = noteFor(name, values[name] || "");
      var element = document.getElementById(input.id + "-note");
      if (element) { element.textContent = note.text; }
      if (note.invalid) {
        input.setAttribute("aria-invalid", "true");
      } else {
        input.removeAttribute("aria-invalid");
      }
    });
  }

  function setValue(name, value) {
    if (value) { values[name] = value; } else { delete values[name]; }
    showInFields(name);
    showInCode();
    writeStorage();
    writeLink();
  }

  function compilePattern(text) {
    if (!text) { return null; }
    try { return new RegExp("^(?:" + text + ")$", "u"); } catch (e) { return null; }
  }

  function initForm(fieldset) {
    var names = [];
    fieldset.querySelectorAll("input[data-placeholder]").forEach(function (input) {
      var name = input.dataset.placeholder;
      names.push(name);
      if (!specs[name]) {
        specs[name] = {
          secret: input.dataset.secret === "true",
          fallback: input.hasAttribute("data-default") ? input.dataset.default : null,
          pattern: compilePattern(input.dataset.pattern),
          patternText: input.dataset.pattern || ""
        };
      }
      input.hidden = false;
      input.addEventListener("input", function () { setValue(name, input.value); });
    });
    fieldset.querySelectorAll(".runbook-values-intro, .runbook-values-actions")
      .forEach(function (element) { element.hidden = false; });
    var status = fieldset.querySelector(".runbook-values-status");
    var clear = fieldset.querySelector(".runbook-values-clear");
    clear.addEventListener("click", function () {
      names.forEach(function (name) { setValue(name, ""); });
      status.textContent = "Cleared: the commands show their placeholders again.";
    });
    return { names: names, status: status };
  }

  // Values from the link win over remembered ones (the alert knows best) and
  // are remembered in turn. A secret in a link is dropped from it, unused.
  function loadValues(forms) {
    var stored = readStorage();
    var params = new URLSearchParams(window.location.search);
    var fromLink = [];
    var remembered = [];
    var secretInLink = false;
    Object.keys(specs).forEach(function (name) {
      if (specs[name].secret) {
        secretInLink = secretInLink || params.has(name);
      } else if (params.get(name)) {
        values[name] = params.get(name);
        fromLink.push(name);
      } else if (typeof stored[name] === "string" && stored[name]) {
        values[name] = stored[name];
        remembered.push(name);
      }
    });
    Object.keys(specs).forEach(showInFields);
    showInCode();
    if (fromLink.length) { writeStorage(); }
    if (secretInLink) { writeLink(); }
    forms.forEach(function (form) {
      var linked = form.names.filter(function (n) { return fromLink.indexOf(n) !== -1; });
      var kept = form.names.filter(function (n) { return remembered.indexOf(n) !== -1; });
      var parts = [];
      if (linked.length) { parts.push("From the link: " + linked.join(", ") + "."); }
      if (kept.length) { parts.push("Remembered in this browser: " + kept.join(", ") + "."); }
      form.status.textContent = parts.join(" ");
    });
  }

  /* ------------------------------------------------------------------ copy */

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // file:// pages and plain http have no async clipboard.
    return new Promise(function (resolvePromise, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) { resolvePromise(); } else { reject(new Error("copy refused")); }
    });
  }

  function setState(button, state, label) {
    button.dataset.state = state;
    button.textContent = label;
  }

  function formOf(block) {
    var runbook = block.closest("section.runbook");
    return runbook ? runbook.querySelector(".runbook-values") : null;
  }

  // The warning under a block copied with placeholders not filled in; it
  // follows the values and goes away once they are all filled.
  function showMissing(block, warning) {
    var template = JSON.parse(block.dataset.runbookTemplate || "[]");
    var left = resolve(template);
    if (!left.missing.length && !left.fromShell.length) {
      warning.hidden = true;
      return;
    }
    warning.textContent = "";
    var strong = document.createElement("strong");
    strong.textContent = "Not filled in: ";
    warning.appendChild(strong);
    var sentences = [];
    if (left.missing.length) {
      sentences.push(left.missing.join(", ") + " copied as written.");
    }
    if (left.fromShell.length) {
      sentences.push(left.fromShell.join(", ") + " left for your shell: make sure " +
                     (left.fromShell.length === 1 ? "it is" : "they are") + " set.");
    }
    warning.appendChild(document.createTextNode(sentences.join(" ") + " "));
    var form = formOf(block);
    if (form) {
      var link = document.createElement("a");
      link.href = "#" + form.id;
      link.textContent = "Fill in the values";
      warning.appendChild(link);
      warning.appendChild(document.createTextNode(", or edit the command before running it."));
    } else {
      warning.appendChild(document.createTextNode("Edit the command before running it."));
    }
    warning.hidden = false;
  }

  function addButton(block) {
    var destructive = block.dataset.runbookDestructive === "true";
    var template = block.dataset.runbookTemplate ? JSON.parse(block.dataset.runbookTemplate) : null;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "runbook-copy";
    button.setAttribute("aria-label", destructive ? "Copy destructive command" : "Copy command");
    var status = document.createElement("span");
    status.className = "runbook-visually-hidden";
    status.setAttribute("role", "status");
    var warning = document.createElement("p");
    warning.className = "runbook-unfilled";
    warning.hidden = true;
    setState(button, "idle", "Copy");
    var disarm = null;

    button.addEventListener("click", function () {
      if (destructive && button.dataset.state !== "armed") {
        setState(button, "armed", "Click again to copy");
        status.textContent = "Destructive command: click again to copy it.";
        clearTimeout(disarm);
        disarm = setTimeout(function () { setState(button, "idle", "Copy"); }, ARM_TIMEOUT_MS);
        return;
      }
      clearTimeout(disarm);
      var resolved = template ? resolve(template)
        : { text: block.dataset.runbookCopy, missing: [], fromShell: [] };
      var unfilled = resolved.missing.concat(resolved.fromShell);
      copyText(resolved.text).then(function () {
        if (unfilled.length) {
          setState(button, "warning", "Copied: not filled in");
          status.textContent = "Copied, but not filled in: " + unfilled.join(", ") + ".";
          showMissing(block, warning);
        } else {
          setState(button, "copied", "Copied");
          status.textContent = "Command copied.";
          warning.hidden = true;
        }
      }, function () {
        setState(button, "failed", "Copy failed");
        status.textContent = "Copy failed: select the command and copy it by hand.";
      }).then(function () {
        setTimeout(function () { setState(button, "idle", "Copy"); }, RESET_MS);
      });
    });
    block.insertBefore(status, block.firstChild);
    block.insertBefore(button, block.firstChild);
    var code = block.querySelector("div[class*='highlight'], pre");
    var after = code ? code.closest("[data-runbook-copy] > *") : null;
    block.insertBefore(warning, after ? after.nextSibling : null);
  }

  /* -------------------------------------------------------------- listings */

  // Filter boxes for the runbook-commands, runbook-symptoms and runbook-report
  // listings: every word typed must appear in a row (or list item) for it to
  // stay visible. An empty listing gets none.
  var FILTERS = {
    symptoms: ["Find a symptom ", "error message, behaviour..."],
    commands: ["Filter commands ", "program, runbook, safety..."],
    report: ["Filter results ", "failed, runbook, reason..."]
  };

  function addFilter(listing) {
    var symptoms = listing.classList.contains("runbook-listing-symptoms");
    var kind = symptoms ? "symptoms"
      : listing.classList.contains("runbook-listing-report") ? "report" : "commands";
    var items = Array.prototype.slice.call(
      listing.querySelectorAll(symptoms ? "li" : "tbody tr"));
    if (!items.length) { return; }
    var label = document.createElement("label");
    label.className = "runbook-filter";
    label.textContent = FILTERS[kind][0];
    var input = document.createElement("input");
    input.type = "search";
    input.placeholder = FILTERS[kind][1];
    var count = document.createElement("span");
    count.className = "runbook-filter-count";
    count.setAttribute("aria-live", "polite");
    label.appendChild(input);
    listing.insertBefore(count, listing.firstChild);
    listing.insertBefore(label, listing.firstChild);

    function apply() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      items.forEach(function (item) {
        var text = item.textContent.toLowerCase();
        var keep = words.every(function (word) { return text.indexOf(word) !== -1; });
        item.hidden = !keep;
        if (keep) { shown += 1; }
      });
      count.textContent = shown + " of " + items.length + " shown";
    }
    input.addEventListener("input", apply);
    apply();
  }

  function init() {
    var forms = Array.prototype.map.call(document.querySelectorAll(".runbook-values"), initForm);
    document.querySelectorAll("[data-runbook-copy]").forEach(addButton);
    loadValues(forms);
    document.querySelectorAll(".runbook-listing").forEach(addFilter);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
