// The official OpenAI and Mistral SDKs, unchanged, against a running Sirocco.
// Env: SIROCCO_URL (http://host:port), SIROCCO_KEY (any model), SIROCCO_TINY_KEY (mistral-tiny only),
//      SIROCCO_ONE_RPM_KEY (1 request per minute). Exits non-zero on the first failed check.
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { Mistral } from '@mistralai/mistralai';

const base = process.env.SIROCCO_URL.replace(/\/$/, '');
const key = process.env.SIROCCO_KEY;
const checks = [];

async function check(name, fn) {
  try {
    await fn();
    checks.push(name);
    console.log(`ok   ${name}`);
  } catch (e) {
    console.log(`FAIL ${name}: ${e?.stack ?? e}`);
    process.exitCode = 1;
  }
}

async function rejects(promise, predicate, label) {
  try {
    await promise;
  } catch (e) {
    assert.ok(predicate(e), `${label}: unexpected error ${e?.constructor?.name} ${e?.status ?? e?.statusCode} ${e?.message}`);
    return e;
  }
  assert.fail(`${label}: expected an error`);
}

const openai = new OpenAI({ apiKey: key, baseURL: `${base}/v1`, maxRetries: 0, timeout: 120_000 });
const messages = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello' }];
const finishes = ['stop', 'length', 'model_length'];

await check('openai: chat completion', async () => {
  const r = await openai.chat.completions.create({ model: 'mistral-tiny', messages, max_tokens: 8, temperature: 0 });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.equal(typeof r.choices[0].message.content, 'string');
  assert.ok(finishes.includes(r.choices[0].finish_reason));
  assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
});

await check('openai: streaming chat with include_usage', async () => {
  const stream = await openai.chat.completions.create({
    model: 'mistral-small', messages, max_tokens: 8, stream: true, stream_options: { include_usage: true },
  });
  let text = '', role = null, finish = null, usage = null, n = 0;
  for await (const chunk of stream) {
    n++;
    const c = chunk.choices[0];
    if (c?.delta?.role) role = c.delta.role;
    if (c?.delta?.content) text += c.delta.content;
    if (c?.finish_reason) finish = c.finish_reason;
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(role, 'assistant');
  assert.ok(n >= 2);
  assert.ok(finishes.includes(finish));
  assert.ok(usage && usage.completion_tokens > 0 && usage.completion_tokens <= 8);
});

await check('openai: embeddings, base64 (SDK default) and float agree', async () => {
  const input = ['The wind', 'from the Sahara'];
  const b64 = await openai.embeddings.create({ model: 'mistral-embed', input });
  const flt = await openai.embeddings.create({ model: 'mistral-embed', input, encoding_format: 'float' });
  assert.equal(b64.data.length, 2);
  assert.equal(b64.data[0].embedding.length, 1024);
  for (let i = 0; i < 1024; i++) {
    assert.ok(Math.abs(b64.data[1].embedding[i] - flt.data[1].embedding[i]) < 1e-6, `dimension ${i}`);
  }
  assert.ok(b64.usage.prompt_tokens > 0);
});

await check('openai: models list and retrieve', async () => {
  const ids = [];
  for await (const m of openai.models.list()) ids.push(m.id);
  for (const id of ['mistral-tiny', 'mistral-small', 'mistral-medium', 'mistral-embed']) assert.ok(ids.includes(id), id);
  const m = await openai.models.retrieve('mistral-medium');
  assert.equal(m.id, 'mistral-medium');
  assert.ok(m.max_context_length > 0);
});

await check('openai: error types', async () => {
  const bad = new OpenAI({ apiKey: 'sk-' + 'x'.repeat(43), baseURL: `${base}/v1`, maxRetries: 0 });
  const e401 = await rejects(bad.models.list(), (e) => e instanceof OpenAI.AuthenticationError, '401');
  assert.equal(e401.error?.type, 'authentication_error');
  assert.ok(e401.requestID || e401.request_id || e401.headers?.get?.('x-request-id'));
  await rejects(openai.chat.completions.create({ model: 'gpt-4', messages }),
    (e) => e instanceof OpenAI.NotFoundError && e.code === 'model_not_found', '404');
  await rejects(openai.chat.completions.create({ model: 'mistral-tiny', messages, temperature: 3 }),
    (e) => e instanceof OpenAI.UnprocessableEntityError && e.param === 'temperature', '422');
  const tiny = new OpenAI({ apiKey: process.env.SIROCCO_TINY_KEY, baseURL: `${base}/v1`, maxRetries: 0 });
  await rejects(tiny.chat.completions.create({ model: 'mistral-medium', messages }),
    (e) => e instanceof OpenAI.PermissionDeniedError, '403');
  const slow = new OpenAI({ apiKey: process.env.SIROCCO_ONE_RPM_KEY, baseURL: `${base}/v1`, maxRetries: 0 });
  await slow.models.retrieve('mistral-tiny');
  const e429 = await rejects(slow.models.retrieve('mistral-tiny'), (e) => e instanceof OpenAI.RateLimitError, '429');
  assert.ok(Number(e429.headers.get('retry-after')) >= 1);
});

const mistral = new Mistral({ apiKey: key, serverURL: base, retryConfig: { strategy: 'none' } });

await check('mistral: chat.complete', async () => {
  const r = await mistral.chat.complete({ model: 'mistral-tiny', messages, maxTokens: 8, temperature: 0, randomSeed: 7 });
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.equal(typeof r.choices[0].message.content, 'string');
  assert.ok(finishes.includes(r.choices[0].finishReason));
  assert.ok(r.usage.promptTokens > 0);
});

await check('mistral: chat.stream', async () => {
  const stream = await mistral.chat.stream({ model: 'mistral-medium', messages, maxTokens: 6, safePrompt: true });
  let events = 0, finish = null, usage = null;
  for await (const ev of stream) {
    events++;
    const c = ev.data.choices[0];
    if (c?.finishReason) finish = c.finishReason;
    if (ev.data.usage) usage = ev.data.usage;
  }
  assert.ok(events >= 2);
  assert.ok(finishes.includes(finish));
  assert.ok(usage && usage.completionTokens > 0);
});

await check('mistral: embeddings', async () => {
  const r = await mistral.embeddings.create({ model: 'mistral-embed', inputs: ['Sirocco', 'Mistral'] });
  assert.equal(r.data.length, 2);
  assert.equal(r.data[0].embedding.length, 1024);
  const norm = r.data[0].embedding.reduce((s, x) => s + x * x, 0);
  assert.ok(Math.abs(norm - 1) < 1e-3);
});

await check('mistral: models list and retrieve', async () => {
  const list = await mistral.models.list();
  assert.ok(list.data.some((m) => m.id === 'mistral-small'));
  const m = await mistral.models.retrieve({ modelId: 'mistral-embed' });
  assert.equal(m.id, 'mistral-embed');
  assert.ok(m.maxContextLength > 0);
});

await check('mistral: errors carry the status', async () => {
  const bad = new Mistral({ apiKey: 'sk-' + 'x'.repeat(43), serverURL: base, retryConfig: { strategy: 'none' } });
  await rejects(bad.models.list(), (e) => e.statusCode === 401 && String(e.body).includes('"object":"error"'), '401');
  await rejects(mistral.chat.complete({ model: 'mistral-tiny', messages, topP: 0 }), (e) => e.statusCode === 422, '422');
  await rejects(mistral.chat.complete({ model: 'nope', messages }), (e) => e.statusCode === 404, '404');
});

console.log(`${checks.length} checks passed`);
