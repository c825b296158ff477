// The composer's keys. Ctrl+Enter (⌘+Enter on a Mac) sends the form of the text box being typed
// in. Mention autocomplete: typing @ and a few letters lists matching members (from /mentions);
// arrows choose, Enter or Tab inserts, Escape closes. Without the script, the Send button and
// typing the handle work the same.
(function () {
  "use strict";
  // The page may hold several composers, each bringing this script: one listener for all.
  if (!window.__batonSendKey) {
    window.__batonSendKey = true;
    document.addEventListener("keydown", function (e) {
      if (e.key !== "Enter" || !(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return;
      var area = e.target;
      if (!area || area.tagName !== "TEXTAREA" || !area.form) return;
      e.preventDefault();
      var form = area.form;
      // Sent once: a second press while the page is leaving sends nothing more.
      if (form.dataset.sending) return;
      if (form.requestSubmit) {
        if (!form.checkValidity()) { form.reportValidity(); return; }
        form.dataset.sending = "true";
        form.requestSubmit();
      } else {
        form.dataset.sending = "true";
        form.submit();
      }
    });
    // A page come back to from the history is sendable again.
    window.addEventListener("pageshow", function () {
      document.querySelectorAll("form[data-sending]").forEach(function (form) { delete form.dataset.sending; });
    });
  }
  document.querySelectorAll("textarea[data-mentions]").forEach(function (area) {
    var list = document.createElement("ul");
    list.className = "mentions";
    list.setAttribute("role", "listbox");
    list.id = "mentions-" + Math.random().toString(36).slice(2);
    list.hidden = true;
    area.setAttribute("aria-controls", list.id);
    area.setAttribute("aria-autocomplete", "list");
    area.parentNode.insertBefore(list, area.nextSibling);
    var items = [], active = 0, start = -1, typed = "";
    var groups = ["here", "channel", "everyone", "all"];

    function close() { list.hidden = true; items = []; start = -1; }
    function show() {
      list.textContent = "";
      if (items.length === 0) {
        // Nobody has that handle: say so now, rather than let the mention go out as plain text.
        if (typed.length < 2 || groups.indexOf(typed.toLowerCase()) >= 0) { list.hidden = true; return; }
        var none = document.createElement("li");
        none.className = "none";
        none.setAttribute("role", "option");
        none.setAttribute("aria-disabled", "true");
        none.textContent = "No member is called @" + typed + ": it will not notify anyone";
        list.appendChild(none);
        list.hidden = false;
        return;
      }
      items.forEach(function (m, i) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", i === active ? "true" : "false");
        li.textContent = "@" + m.handle + " · " + m.name + " (" + m.time_zone + ")";
        li.addEventListener("mousedown", function (e) { e.preventDefault(); active = i; pick(); });
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
    }
    function pick() {
      var m = items[active];
      if (!m) return close();
      var before = area.value.slice(0, start), after = area.value.slice(area.selectionStart);
      area.value = before + "@" + m.handle + " " + after;
      var caret = before.length + m.handle.length + 2;
      area.setSelectionRange(caret, caret);
      close();
    }
    area.addEventListener("input", function () {
      var upto = area.value.slice(0, area.selectionStart);
      var match = /(^|\s)@([a-z0-9._-]{1,40})$/i.exec(upto);
      if (!match) return close();
      start = upto.length - match[2].length - 1;
      typed = match[2];
      fetch(area.dataset.mentions + "?q=" + encodeURIComponent(match[2]), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (found) { items = found; active = 0; show(); })
        .catch(close);
    });
    area.addEventListener("keydown", function (e) {
      if (list.hidden || items.length === 0) return;
      if (e.key === "ArrowDown") { active = (active + 1) % items.length; show(); e.preventDefault(); }
      else if (e.key === "ArrowUp") { active = (active + items.length - 1) % items.length; show(); e.preventDefault(); }
      else if ((e.key === "Enter" && !e.ctrlKey && !e.metaKey) || e.key === "Tab") { pick(); e.preventDefault(); }
      else if (e.key === "Escape") { close(); }
    });
    area.addEventListener("blur", function () { setTimeout(close, 150); });
  });
})();
