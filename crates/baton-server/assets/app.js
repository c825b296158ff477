// Baton's only script: keeps a channel's thread list, a thread's messages or a direct
// conversation's threads and timeline current by listening to the event stream (the session
// cookie signs the WebSocket in) and re-fetching the server-rendered list when something in it
// changes. Pages work without it.
(function () {
  "use strict";
  var body = document.body;
  var live = body.dataset.live;
  var id = Number(body.dataset.id);
  var since = Number(body.dataset.since) || 0;
  if (!live || (!id && live !== "channels")) return;
  // Each live list of the page: its element, the fragment that re-renders it, and which events
  // change it. A direct conversation's page has two: its threads and its timeline.
  function shownThread(threadId) {
    return !!document.querySelector('#threads [data-thread="' + threadId + '"]');
  }
  function inDmTimeline(event, p, message) {
    return event.kind.indexOf("message.") === 0 && (p.dm_id || message.dm_id || p.from_dm_id) === id;
  }
  function inDmThreads(event, p, message) {
    if (event.kind.indexOf("thread.") === 0) return p.dm_id === id || shownThread(p.thread_id);
    return event.kind.indexOf("message.") === 0 && shownThread(p.thread_id || message.thread_id);
  }
  var lists = {
    thread: [["messages", "/t/" + id + "/messages", function (event, p, message) {
      return event.kind.indexOf("message.") === 0 && (p.thread_id || message.thread_id) === id;
    }]],
    dm: [["messages", "/dms/" + id + "/messages", inDmTimeline], ["threads", "/dms/" + id + "/threads", inDmThreads]],
    channel: [["threads", "/c/" + id + "/threads", function (event, p) {
      return (event.kind.indexOf("thread.") === 0 && (p.channel_id === id || p.thread_id)) ||
        event.kind === "message.posted";
    }]],
    channels: [["channels", "/channels", function (event) {
      return event.kind === "message.posted" || event.kind.indexOf("channel.") === 0;
    }]]
  }[live] || [];
  var pending = {};

  function refresh(target, fragment) {
    if (pending[fragment]) return;
    pending[fragment] = true;
    fetch(fragment, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        pending[fragment] = false;
        var element = document.getElementById(target);
        if (html !== null && element) element.innerHTML = html;
      })
      .catch(function () { pending[fragment] = false; });
  }

  var delay = 500;
  function connect() {
    var scheme = location.protocol === "https:" ? "wss:" : "ws:";
    var socket = new WebSocket(scheme + "//" + location.host + "/api/v1/stream?since=" + since);
    socket.onopen = function () { delay = 500; };
    socket.onmessage = function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (event.seq) since = event.seq;
      var p = event.payload || {};
      var message = p.message || {};
      lists.forEach(function (list) {
        if (list[2](event, p, message)) refresh(list[0], list[1]);
      });
    };
    socket.onclose = function () {
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    };
  }
  connect();
})();
