// The browser phone: microphone → 8 kHz AudioSocket frames over a WebSocket; the line's speech
// played back as it arrives; keys as DTMF frames; the line's words shown as subtitles.
(() => {
  "use strict";
  const AUDIO = 0x10, DTMF = 0x03, HANGUP = 0x00, RATE = 8000, FRAME = 160;
  const status = document.getElementById("status");
  const subtitles = document.getElementById("subtitles");
  const callButton = document.getElementById("call");
  const hangupButton = document.getElementById("hangup");
  const keys = Array.from(document.querySelectorAll(".key"));
  let socket = null, audio = null, mic = null, processor = null, playAt = 0, heard = 0;
  let pending = [], carry = 0;

  function frame(kind, payload) {
    const out = new Uint8Array(3 + payload.length);
    out[0] = kind; out[1] = payload.length >> 8; out[2] = payload.length & 255;
    out.set(payload, 3);
    return out;
  }

  function play(payload) {
    const samples = payload.length / 2;
    if (!samples) return;
    const buffer = audio.createBuffer(1, samples, RATE);
    const channel = buffer.getChannelData(0);
    const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
    for (let i = 0; i < samples; i++) channel[i] = view.getInt16(2 * i, true) / 32768;
    const source = audio.createBufferSource();
    source.buffer = buffer;
    source.connect(audio.destination);
    playAt = Math.max(playAt, audio.currentTime + 0.06);
    source.start(playAt);
    playAt += buffer.duration;
    heard += 1;
    document.body.dataset.heard = String(heard);
  }

  function hear(bytes) {
    for (let i = 0; i + 3 <= bytes.length;) {
      const kind = bytes[i], length = (bytes[i + 1] << 8) | bytes[i + 2];
      const payload = bytes.subarray(i + 3, i + 3 + length);
      i += 3 + length;
      if (kind === AUDIO) play(payload);
      else if (kind === HANGUP) socket.close();
    }
  }

  function speak(event) {  // microphone samples at the context's rate → 20 ms frames at 8 kHz
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    const input = event.inputBuffer.getChannelData(0);
    const step = audio.sampleRate / RATE;
    for (; carry < input.length; carry += step) {
      const start = Math.floor(carry), end = Math.min(input.length, Math.floor(carry + step));
      let sum = 0;
      for (let i = start; i < end; i++) sum += input[i];
      const value = Math.max(-1, Math.min(1, sum / Math.max(1, end - start)));
      pending.push(Math.round(value * 32767));
      if (pending.length === FRAME) {
        const payload = new Uint8Array(FRAME * 2);
        const view = new DataView(payload.buffer);
        pending.forEach((s, i) => view.setInt16(2 * i, s, true));
        socket.send(frame(AUDIO, payload));
        pending = [];
      }
    }
    carry -= input.length;
  }

  async function listen(call) {
    if (!window.isSecureContext || !navigator.mediaDevices) {
      status.textContent = "这个网址用不了麦克风（需要 https），请用按键。";
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({audio: {echoCancellation: true, noiseSuppression: true}});
    } catch (error) {
      if (socket === call) status.textContent = "没有麦克风，请用按键。";
      return;
    }
    if (socket !== call || call.readyState !== WebSocket.OPEN) {  // hung up while the browser asked
      stream.getTracks().forEach((t) => t.stop());
      return;
    }
    mic = stream;
    const source = audio.createMediaStreamSource(mic);
    processor = audio.createScriptProcessor(2048, 1, 1);
    processor.onaudioprocess = speak;
    const silent = audio.createGain();
    silent.gain.value = 0;
    source.connect(processor);
    processor.connect(silent);
    silent.connect(audio.destination);
    status.textContent = "通话中：请说话，或者按键。";
  }

  function ended() {
    status.textContent = "已挂断。";
    callButton.disabled = false;
    hangupButton.disabled = true;
    keys.forEach((k) => { k.disabled = true; });
    if (processor) processor.disconnect();
    if (mic) mic.getTracks().forEach((t) => t.stop());
    socket = null; processor = null; mic = null;
  }

  callButton.addEventListener("click", async () => {
    audio = audio || new AudioContext();
    await audio.resume();
    playAt = 0; carry = 0; pending = [];
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const call = new WebSocket(scheme + location.host + "/phone/ws");
    socket = call;
    call.binaryType = "arraybuffer";
    status.textContent = "正在接通……";
    callButton.disabled = true;
    call.addEventListener("open", () => {
      hangupButton.disabled = false;
      keys.forEach((k) => { k.disabled = false; });
      status.textContent = "通话中：请按键。";
      listen(call);
    });
    call.addEventListener("message", (event) => {
      if (typeof event.data === "string") subtitles.textContent = JSON.parse(event.data).say;
      else hear(new Uint8Array(event.data));
    });
    call.addEventListener("close", ended);
  });

  hangupButton.addEventListener("click", () => {
    if (socket) { socket.send(frame(HANGUP, new Uint8Array(0))); socket.close(); }
  });

  function press(digit) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(frame(DTMF, new TextEncoder().encode(digit)));
  }

  keys.forEach((key) => key.addEventListener("click", () => press(key.dataset.key)));
  document.addEventListener("keydown", (event) => {  // a computer's keyboard works as the keypad too
    if (/^[0-9*#]$/.test(event.key)) press(event.key);
  });
})();
