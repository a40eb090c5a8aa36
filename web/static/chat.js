// The family chat: sends what was typed or pressed to /api/chat and shows the replies and choices.
(function () {
  "use strict";
  var list = document.getElementById("messages");
  var options = document.getElementById("options");
  var form = document.getElementById("composer");
  var input = document.getElementById("message");
  var busy = false;

  function add(text, who, extra) {
    var li = document.createElement("li");
    li.className = who + (extra ? " " + extra : "");
    li.textContent = text;
    list.appendChild(li);
    li.scrollIntoView({ block: "end" });
  }

  function showOptions(choices) {
    options.innerHTML = "";
    choices.forEach(function (choice) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "option";
      b.textContent = choice.label;
      b.addEventListener("click", function () { send("", choice.key, choice.label); });
      options.appendChild(b);
    });
  }

  function send(message, option, shown) {
    if (busy) return;  // a double tap sends once
    busy = true;
    add(shown || message, "me");
    options.innerHTML = "";
    fetch("/api/chat", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ message: message, option: option || null })
    }).then(function (r) { return r.json(); }).then(function (data) {
      if (!data.replies) { add(data.message || "出错了，请再试一次。", "bot"); return; }
      var last = [];
      data.replies.forEach(function (r) {
        add(r.text, "bot", r.order ? "order" : "");
        last = r.options;
      });
      showOptions(last);
    }).catch(function () { add("网络不通，请稍后再试。", "bot"); })
      .finally(function () { busy = false; input.focus(); });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });
  Array.prototype.forEach.call(document.querySelectorAll(".quick-btn"), function (b) {
    b.addEventListener("click", function () { send(b.dataset.text); });
  });
})();
