// The station queue updates itself: the server streams order events, the page reloads the list.
(function () {
  "use strict";
  var queue = document.getElementById("queue");
  var live = document.getElementById("live");
  // A button that was pressed stays pressed: a double tap sends one request.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.classList.contains("once")) return;
    if (form.dataset.sent) { e.preventDefault(); return; }
    form.dataset.sent = "1";
    Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = true; });
  });
  if (!queue || !window.EventSource) return;
  var known = {};
  Array.prototype.forEach.call(queue.querySelectorAll("tr[data-code]"), function (tr) { known[tr.dataset.code] = 1; });
  var pending = null;
  function refresh() {
    pending = null;
    fetch(queue.dataset.src, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) {
        queue.innerHTML = html;
        Array.prototype.forEach.call(queue.querySelectorAll("tr[data-code]"), function (tr) {
          if (!known[tr.dataset.code]) { tr.classList.add("fresh"); known[tr.dataset.code] = 1; }
        });
      })
      .catch(function () { live.textContent = "连接中断，正在重试…"; live.classList.add("offline"); });
  }
  var source = new EventSource(queue.dataset.events || "/staff/events");
  source.addEventListener("order", function () { if (!pending) pending = setTimeout(refresh, 150); });
  // Someone asked for a person or is in danger: show the call-back list at once.
  source.addEventListener("handoff", function () { window.location.reload(); });
  source.onopen = function () { live.textContent = "实时更新中"; live.classList.remove("offline"); };
  source.onerror = function () { live.textContent = "连接中断，正在重试…"; live.classList.add("offline"); };
})();
