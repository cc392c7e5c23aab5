// The console playground (/console/playground). Sends the form as a /v1/chat/completions request to the
// session-authenticated route (data-chat-path) with the page's CSRF token, reads the SSE stream, and shows each
// turn's tokens, time to first token, tokens/s and the exact cost the server billed (usage.cost_eur, the amount
// written to the usage ledger; nothing is priced here). "View as curl" shows the same request for an API key.
(function () {
  'use strict';
  const form = document.getElementById('playground');
  if (!form) return;
  const $ = id => document.getElementById(id);
  const transcript = $('pg-transcript');
  const errorBox = $('pg-error');
  const status = $('pg-status');
  const send = $('pg-send');
  const stop = $('pg-stop');
  const message = $('pg-message');
  const messageLabel = $('pg-message-label');
  let history = [];        // the conversation so far, as API messages (without the system prompt)
  let pendingCalls = [];   // tool calls of the last reply, awaiting their results
  let controller = null;

  function showError(text) {
    errorBox.textContent = text || '';
  }

  // The settings as API fields; throws an Error naming the field when one is not valid.
  function settings() {
    const f = form.elements;
    const body = { model: f.model.value };
    const temperature = f.temperature.value.trim();
    if (temperature !== '') {
      const t = Number(temperature);
      if (!Number.isFinite(t) || t < 0 || t > 1.5) throw new Error('Temperature must be a number from 0 to 1.5.');
      body.temperature = t;
    }
    const maxTokens = f.max_tokens.value.trim();
    if (maxTokens !== '') {
      const n = Number(maxTokens);
      if (!Number.isInteger(n) || n < 1) throw new Error('Max tokens must be a whole number of at least 1.');
      body.max_tokens = n;
    }
    const seed = f.random_seed.value.trim();
    if (seed !== '') {
      const s = Number(seed);
      if (!Number.isInteger(s) || s < 0) throw new Error('The seed must be a whole number of at least 0.');
      body.random_seed = s;
    }
    const format = f.response_format.value;
    if (format === 'json_object') body.response_format = { type: 'json_object' };
    if (format === 'json_schema') {
      body.response_format = { type: 'json_schema',
        json_schema: { name: 'playground', schema: parseJson(f.json_schema.value, 'The JSON schema'), strict: true } };
    }
    const tools = f.tools.value.trim();
    if (tools !== '') {
      body.tools = parseJson(tools, 'Tools');
      if (!Array.isArray(body.tools)) throw new Error('Tools must be a JSON list.');
      body.tool_choice = f.tool_choice.value;
    }
    return body;
  }

  function parseJson(text, what) {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new Error(what + ' is not valid JSON: ' + e.message);
    }
  }

  // The messages of the next request: system prompt, the conversation, and the new user message or tool results.
  function messages(text) {
    const out = [];
    const system = form.elements.system.value.trim();
    if (system !== '') out.push({ role: 'system', content: system });
    out.push(...history);
    if (pendingCalls.length) {
      pendingCalls.forEach(c => out.push({ role: 'tool', tool_call_id: c.id, name: c.function.name, content: text }));
    } else {
      out.push({ role: 'user', content: text });
    }
    return out;
  }

  function request(text) {
    return Object.assign(settings(), { messages: messages(text), stream: true });
  }

  function curl(body) {
    const json = JSON.stringify(body, null, 2).replace(/'/g, "'\\''");
    return 'curl -N ' + form.dataset.baseUrl + '/v1/chat/completions \\\n'
      + '  -H "Authorization: Bearer $SIROCCO_API_KEY" \\\n'
      + "  -H 'Content-Type: application/json' \\\n"
      + "  -d '" + json + "'";
  }

  function updateCurl() {
    try {
      $('pg-curl').textContent = curl(request(message.value.trim() || 'Hello'));
    } catch (e) {
      $('pg-curl').textContent = e.message;
    }
  }

  function item(role, text) {
    const li = document.createElement('li');
    li.className = 'turn turn-' + role;
    const who = document.createElement('p');
    who.className = 'who';
    who.textContent = role === 'assistant' ? 'Assistant' : role === 'tool' ? 'Tool result' : 'You';
    const body = document.createElement('div');
    body.className = 'content';
    body.textContent = text;
    li.append(who, body);
    transcript.append(li);
    return li;
  }

  function stat(dl, name, label, value) {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.className = 'stat-' + name;
    dd.textContent = value;
    dl.append(dt, dd);
  }

  // Reads "data: ..." events off the stream, calling onEvent with each parsed JSON; stops at [DONE].
  async function readEvents(response, onEvent) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        for (const line of event.split('\n')) {
          if (!line.startsWith('data: ')) continue;
          const data = line.slice(6);
          if (data === '[DONE]') return;
          onEvent(JSON.parse(data));
        }
      }
    }
  }

  async function errorText(response) {
    if (response.type === 'opaqueredirect' || response.status === 401) {
      return 'Your sign-in has ended: reload the page to sign in again.';
    }
    try {
      const body = await response.json();
      return (body.error && body.error.message) || ('The request failed (' + response.status + ').');
    } catch (e) {
      return 'The request failed (' + response.status + ').';
    }
  }

  async function turn(event) {
    event.preventDefault();
    showError('');
    const text = message.value.trim();
    if (text === '') {
      showError(pendingCalls.length ? 'Write the tool result first.' : 'Write a message first.');
      message.focus();
      return;
    }
    let body;
    try {
      body = request(text);
    } catch (e) {
      showError(e.message);
      return;
    }
    $('pg-curl').textContent = curl(body);
    const asked = pendingCalls.length ? 'tool' : 'user';
    item(asked, text);
    const reply = item('assistant', '');
    reply.setAttribute('aria-busy', 'true');
    const content = reply.querySelector('.content');
    const stats = document.createElement('dl');
    stats.className = 'stats';
    send.disabled = true;
    stop.disabled = false;
    status.textContent = 'Waiting for the answer…';
    controller = new AbortController();
    const started = performance.now();
    let first = null;
    let usage = null;
    let finish = null;
    let failure = null;
    const calls = [];
    let response;
    try {
      response = await fetch(form.dataset.chatPath, {
        method: 'POST', redirect: 'manual', credentials: 'same-origin', signal: controller.signal,
        headers: { 'Content-Type': 'application/json', [form.dataset.csrfHeader]: form.dataset.csrf },
        body: JSON.stringify(body),
      });
      if (!response.ok) {
        failure = await errorText(response);
      } else {
        await readEvents(response, chunk => {
          if (chunk.error) {
            failure = chunk.error.message;
            return;
          }
          if (chunk.usage) usage = chunk.usage;
          const choice = chunk.choices && chunk.choices[0];
          if (!choice) return;
          const delta = choice.delta || {};
          if (delta.content) {
            if (first === null) first = performance.now();
            content.textContent += delta.content;
          }
          if (delta.tool_calls) {
            if (first === null) first = performance.now();
            calls.push(...delta.tool_calls);
            content.textContent = JSON.stringify(calls.map(c => c.function), null, 2);
          }
          if (choice.finish_reason) finish = choice.finish_reason;
        });
      }
    } catch (e) {
      failure = e.name === 'AbortError' ? 'Stopped.' : 'The connection failed: ' + e.message;
    }
    const ended = performance.now();
    reply.removeAttribute('aria-busy');
    send.disabled = false;
    stop.disabled = true;
    controller = null;
    if (failure && !usage) {
      reply.remove();
      showError(failure);
      status.textContent = '';
      return;
    }
    // The turn happened: keep it in the conversation.
    if (asked === 'tool') {
      pendingCalls.forEach(c => history.push({ role: 'tool', tool_call_id: c.id, name: c.function.name, content: text }));
    } else {
      history.push({ role: 'user', content: text });
    }
    if (calls.length) {
      history.push({ role: 'assistant', content: '', tool_calls: calls });
    } else {
      history.push({ role: 'assistant', content: content.textContent });
    }
    pendingCalls = calls;
    messageLabel.textContent = calls.length ? 'Tool result (sent for each call)' : 'Your message';
    message.value = '';
    if (failure) showError(failure);
    if (usage) {
      const generating = first === null ? null : (ended - first) / 1000;
      stat(stats, 'tokens', 'Tokens in / out', usage.prompt_tokens + ' / ' + usage.completion_tokens);
      stat(stats, 'ttft', 'Time to first token', first === null ? '—' : Math.round(first - started) + ' ms');
      stat(stats, 'speed', 'Tokens/s', generating && generating > 0
        ? (usage.completion_tokens / generating).toFixed(1) : '—');
      stat(stats, 'cost', 'Cost', usage.cost_eur !== undefined ? '€' + usage.cost_eur : '—');
      stat(stats, 'finish', 'Finish', finish || '—');
      stat(stats, 'request', 'Request id', response.headers.get('x-request-id') || '—');
      reply.append(stats);
    }
    status.textContent = 'Answer complete.';
    updateCurl();
  }

  function clear() {
    history = [];
    pendingCalls = [];
    transcript.replaceChildren();
    messageLabel.textContent = 'Your message';
    showError('');
    updateCurl();
  }

  function toggleSchema() {
    $('pg-schema-box').hidden = form.elements.response_format.value !== 'json_schema';
  }

  form.addEventListener('submit', turn);
  form.addEventListener('input', updateCurl);
  form.addEventListener('change', () => { toggleSchema(); updateCurl(); });
  stop.addEventListener('click', () => controller && controller.abort());
  $('pg-clear').addEventListener('click', clear);
  toggleSchema();
  updateCurl();
  form.dataset.ready = 'true';
})();
