// Batch inference through the official OpenAI and Mistral SDKs, unchanged, against a running Sirocco.
// Env: SIROCCO_URL (http://host:port), SIROCCO_KEY. Exits non-zero when a check fails.
import assert from 'node:assert/strict';
import OpenAI, { toFile } from 'openai';
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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function chatLines(n, openaiShape) {
  return Array.from({ length: n }, (_, i) => JSON.stringify({
    custom_id: `line-${i}`,
    ...(openaiShape ? { method: 'POST', url: '/v1/chat/completions' } : {}),
    body: { ...(openaiShape ? { model: 'mistral-tiny' } : {}), max_tokens: 3, temperature: 0,
      messages: [{ role: 'user', content: `Line ${i}` }] },
  })).join('\n') + '\n';
}

function resultsOf(text, n) {
  const lines = text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  assert.equal(lines.length, n);
  assert.deepEqual(new Set(lines.map((l) => l.custom_id)).size, n);
  for (const l of lines) {
    assert.equal(l.response.status_code, 200);
    assert.equal(l.response.body.object, 'chat.completion');
  }
}

const openai = new OpenAI({ apiKey: key, baseURL: `${base}/v1`, maxRetries: 0, timeout: 120_000 });

await check('openai: files.create, batches.create/retrieve, files.content', async () => {
  const file = await openai.files.create({ file: await toFile(Buffer.from(chatLines(4, true)), 'in.jsonl'),
    purpose: 'batch' });
  assert.equal(file.object, 'file');
  assert.equal(file.purpose, 'batch');
  let batch = await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions',
    completion_window: '24h', metadata: { suite: 'sdk' } });
  assert.equal(batch.object, 'batch');
  assert.equal(batch.request_counts.total, 4);
  for (let i = 0; i < 600 && batch.status !== 'completed'; i++) {
    await sleep(300);
    batch = await openai.batches.retrieve(batch.id);
  }
  assert.equal(batch.status, 'completed');
  assert.equal(batch.request_counts.completed, 4);
  const content = await openai.files.content(batch.output_file_id);
  resultsOf(await content.text(), 4);
});

await check('openai: batches.cancel', async () => {
  const file = await openai.files.create({ file: await toFile(Buffer.from(chatLines(40, true)), 'in.jsonl'),
    purpose: 'batch' });
  const batch = await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions',
    completion_window: '24h' });
  const cancelled = await openai.batches.cancel(batch.id);
  assert.ok(['cancelling', 'cancelled'].includes(cancelled.status), cancelled.status);
});

const mistral = new Mistral({ apiKey: key, serverURL: base, retryConfig: { strategy: 'none' } });

await check('mistral: files.upload, batch.jobs.create/get, files.download', async () => {
  const file = await mistral.files.upload({ file: { fileName: 'in.jsonl', content: Buffer.from(chatLines(4, false)) },
    purpose: 'batch' });
  assert.equal(file.purpose, 'batch');
  let job = await mistral.batch.jobs.create({ inputFiles: [file.id], endpoint: '/v1/chat/completions',
    model: 'mistral-tiny', metadata: { suite: 'sdk' } });
  assert.equal(job.totalRequests, 4);
  for (let i = 0; i < 600 && job.status !== 'SUCCESS'; i++) {
    await sleep(300);
    job = await mistral.batch.jobs.get({ jobId: job.id });
  }
  assert.equal(job.status, 'SUCCESS');
  assert.equal(job.succeededRequests, 4);
  const stream = await mistral.files.download({ fileId: job.outputFile });
  resultsOf(await new Response(stream).text(), 4);
});

await check('mistral: batch.jobs.cancel', async () => {
  const file = await mistral.files.upload({ file: { fileName: 'in.jsonl', content: Buffer.from(chatLines(40, false)) },
    purpose: 'batch' });
  const job = await mistral.batch.jobs.create({ inputFiles: [file.id], endpoint: '/v1/chat/completions',
    model: 'mistral-tiny' });
  const cancelled = await mistral.batch.jobs.cancel({ jobId: job.id });
  assert.ok(['CANCELLATION_REQUESTED', 'CANCELLED'].includes(cancelled.status), cancelled.status);
});

console.log(`${checks.length} checks passed`);
