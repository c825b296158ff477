// The project board's drag and drop. Each card already has a Move form that works without
// script and by keyboard; a drop on a column sends that same form (with its CSRF token) and then
// puts the board the server answers with in place, so counts and flags stay right.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board || !window.fetch || !window.DOMParser) return;
  var announce = document.getElementById("board-status");
  var dragged = null;

  function say(text) {
    if (announce) announce.textContent = text;
  }

  function arm() {
    board.querySelectorAll("article.task-card").forEach(function (card) {
      card.setAttribute("draggable", "true");
    });
  }

  function columnOf(node) {
    return node && node.closest ? node.closest("section.column") : null;
  }

  function unmark() {
    board.querySelectorAll(".drop-target").forEach(function (column) {
      column.classList.remove("drop-target");
    });
  }

  function move(card, column) {
    var form = card.querySelector("form.move");
    var title = card.querySelector("a.task");
    var heading = column.querySelector("h2");
    var data = new URLSearchParams(new FormData(form));
    data.set("status", column.dataset.status);
    card.classList.add("moving");
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("board");
        if (!fresh) throw new Error("no board in the answer");
        board.replaceChildren.apply(board, Array.prototype.slice.call(fresh.childNodes));
        arm();
        say("Moved “" + (title ? title.textContent : "the task") + "” to " +
          (heading ? heading.firstChild.textContent.trim() : column.dataset.status) + ".");
      })
      .catch(function () {
        card.classList.remove("moving");
        say("Could not move the task. Use its Move button, or reload the page.");
      });
  }

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest ? event.target.closest("article.task-card") : null;
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.task);
  });

  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    unmark();
  });

  board.addEventListener("dragover", function (event) {
    var column = columnOf(event.target);
    if (!column || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!column.classList.contains("drop-target")) {
      unmark();
      column.classList.add("drop-target");
    }
  });

  board.addEventListener("drop", function (event) {
    var column = columnOf(event.target);
    var card = dragged;
    if (!column || !card) return;
    event.preventDefault();
    unmark();
    if (columnOf(card) === column) return;
    move(card, column);
  });

  arm();
})();
