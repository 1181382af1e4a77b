// End-to-end check of the "Ask" panel (coaching chat) of the lap-analysis page against a running server started
// with a model (an OpenAI-compatible endpoint, e.g. the tiny random-weight one of scripts/llm):
//   RACECRAFT_URL=http://127.0.0.1:8080 RACECRAFT_LLM=1 [RACECRAFT_ANALYSIS_SESSION=3] [CHROMIUM=/usr/bin/chromium] node --test e2e/chat.test.mjs
// Without RACECRAFT_LLM=1 the tests fail, saying so (scripts/e2e.sh starts the model server and sets it). The model's words are meaningless, so nothing here reads them:
// the tests check the streaming, Stop, the stored conversation and the corner and lap links of the question.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, BASE, getJson, launch, newPage, finishedSession } from './browser.mjs';

const LLM = process.env.RACECRAFT_LLM === '1';
const QUESTION = 'Where do I lose time at T2 on lap 3?';


describe('ask panel', () => {
  let browser;
  let page;
  let sessionId;
  let analysis;
  let info;
  const consoleErrors = [];

  before(async () => {
    assert.ok(LLM, 'set RACECRAFT_LLM=1 with a server started with a model (racecraft serve --llm-url … --llm-model …); scripts/e2e.sh does');
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    sessionId = await finishedSession();
    info = await getJson('/api/chat');
    assert.equal(info.enabled, true, `the server has no model: ${info.how_to_enable}`);
    analysis = await getJson(`/api/sessions/${sessionId}/analysis`);
    assert.ok(analysis.corners.some((c) => c.number === 2), 'the track has a corner 2');
    assert.ok(analysis.laps.some((l) => l.lap_number === 3), 'the session has a lap 3');
    browser = await launch();
    // One page (one browser context) for every test: the conversation is kept in its localStorage.
    page = await newPage(browser, consoleErrors, { width: 1600, height: 1000 });
  });

  after(async () => {
    await browser?.close();
  });

  /** Opens the session's analysis page and waits for the Ask panel to know whether the chat is on. */
  async function open() {
    await page.goto(`${BASE}/#/session/${sessionId}`);
    await page.getByTestId('ask-panel').waitFor({ timeout: 120_000 });
    await page.getByTestId('chat-input').waitFor({ timeout: 30_000 });
  }

  const lastAnswer = () => page.getByTestId('chat-answer').last();
  /** Length of the last answer's text (without the markers). */
  const answerLength = () =>
    page.evaluate(() => {
      const all = document.querySelectorAll('[data-testid="chat-answer"] [data-testid="chat-answer-text"]');
      return all.length ? all[all.length - 1].textContent.length : -1;
    });
  /** Waits until the last answer streams and has some text. */
  const firstText = () =>
    page.waitForFunction(
      () => {
        const all = document.querySelectorAll('[data-testid="chat-answer"]');
        const a = all[all.length - 1];
        return !!a && !!a.querySelector('[data-testid="chat-streaming"]') && a.querySelector('[data-testid="chat-answer-text"]').textContent.length > 0;
      },
      null,
      { timeout: 60_000 },
    );
  const streamingGone = (timeout) => page.getByTestId('chat-streaming').waitFor({ state: 'detached', timeout });

  test('before the first question, the panel says which endpoint and model receive the data', async () => {
    await open();
    const notice = page.getByTestId('chat-endpoint');
    await notice.waitFor();
    const text = await notice.textContent();
    assert.ok(text.includes(info.endpoint), `notice "${text}" names ${info.endpoint}`);
    assert.ok(text.includes(info.model), `notice "${text}" names ${info.model}`);
    assert.equal(await page.getByTestId('chat-answer').count(), 0);
    assert.ok(await page.getByTestId('chat-input').isEditable());
  });

  test('a question: the answer streams in, completes, and the conversation survives a reload', async () => {
    // Every change of the panel is sampled in the page: the answer's length and whether it is still streaming.
    await page.evaluate(() => {
      window.__chatSamples = [];
      const sample = () => {
        const all = document.querySelectorAll('[data-testid="chat-answer"]');
        const a = all[all.length - 1];
        if (!a) return;
        window.__chatSamples.push({
          len: a.querySelector('[data-testid="chat-answer-text"]')?.textContent.length ?? 0,
          streaming: !!a.querySelector('[data-testid="chat-streaming"]'),
        });
      };
      new MutationObserver(sample).observe(document.querySelector('[data-testid="ask-panel"]'), { subtree: true, childList: true, characterData: true });
    });
    await page.getByTestId('chat-input').fill(QUESTION);
    await page.getByTestId('chat-input').press('Enter');
    await page.getByTestId('chat-streaming').waitFor({ state: 'attached', timeout: 10_000 });
    assert.equal(await page.getByTestId('chat-endpoint').count(), 0, 'the notice gives way to the conversation');
    assert.equal(await page.getByTestId('chat-input').inputValue(), '', 'Enter sent the question');
    assert.equal(await page.getByTestId('chat-stop').count(), 1, 'Stop while the answer streams');

    // Two moments while it streams: the text has grown between them (or the answer completed meanwhile).
    await firstText();
    const len1 = await answerLength();
    await page.waitForFunction(
      (n) => {
        const all = document.querySelectorAll('[data-testid="chat-answer"]');
        const a = all[all.length - 1];
        return a.querySelector('[data-testid="chat-answer-text"]').textContent.length > n || !a.querySelector('[data-testid="chat-streaming"]');
      },
      len1,
      { timeout: 120_000 },
    );
    const second = await page.evaluate(() => {
      const all = document.querySelectorAll('[data-testid="chat-answer"]');
      const a = all[all.length - 1];
      return { len: a.querySelector('[data-testid="chat-answer-text"]').textContent.length, streaming: !!a.querySelector('[data-testid="chat-streaming"]') };
    });
    if (second.streaming) assert.ok(second.len > len1, `the answer grew from ${len1} to ${second.len} characters`);
    await streamingGone(180_000);
    const status = await lastAnswer().getAttribute('data-status');
    const error = (await page.getByTestId('chat-error').allTextContents()).join(' ');
    assert.equal(status, 'done', `the answer ended as ${status} ${error}`);
    assert.ok((await answerLength()) >= Math.max(len1, second.len));
    const samples = await page.evaluate(() => window.__chatSamples);
    const whileStreaming = new Set(samples.filter((s) => s.streaming && s.len > 0).map((s) => s.len));
    assert.ok(whileStreaming.size >= 2, `the answer arrived in pieces: lengths seen while streaming ${[...whileStreaming]}`);
    assert.equal(await page.getByTestId('chat-send').count(), 1, 'Ask is back once the answer is complete');

    const question = await page.getByTestId('chat-question').first().textContent();
    const answer = await lastAnswer().getByTestId('chat-answer-text').textContent();
    assert.equal(question, QUESTION);
    assert.ok(await page.evaluate((k) => localStorage.getItem(k), `racecraft.chat.${sessionId}`), 'stored in localStorage');
    await page.screenshot({ path: path.join(ARTIFACTS, 'chat.png'), fullPage: true });

    await page.reload();
    await page.getByTestId('chat-question').first().waitFor({ timeout: 120_000 });
    assert.equal(await page.getByTestId('chat-question').count(), 1);
    assert.equal(await page.getByTestId('chat-question').first().textContent(), question);
    assert.equal(await lastAnswer().getByTestId('chat-answer-text').textContent(), answer);
    assert.equal(await lastAnswer().getAttribute('data-status'), 'done');
    assert.equal(await page.getByTestId('chat-endpoint').count(), 0);
  });

  test('Stop ends the answer at once, keeps what arrived marked (stopped), and the next question goes through', async () => {
    await page.getByTestId('chat-input').fill('And on lap 3, where else?');
    await page.getByTestId('chat-send').click();
    await firstText();
    await page.getByTestId('chat-stop').click();
    await streamingGone(1000);
    const stopped = lastAnswer();
    assert.equal(await stopped.getAttribute('data-status'), 'stopped');
    assert.ok((await stopped.textContent()).includes('(stopped)'));
    const partial = await stopped.getByTestId('chat-answer-text').textContent();
    assert.ok(partial.length > 0, 'the partial answer is kept');
    assert.equal(await page.getByTestId('chat-stop').count(), 0);

    // The input is usable again: a third question (its history holds the stopped answer) is answered.
    const input = page.getByTestId('chat-input');
    assert.ok(await input.isEditable());
    await input.fill('Thanks. Anything about T2?');
    assert.ok(await page.getByTestId('chat-send').isEnabled());
    await page.getByTestId('chat-send').click();
    await page.getByTestId('chat-streaming').waitFor({ state: 'attached', timeout: 10_000 });
    await streamingGone(180_000);
    assert.equal(await page.getByTestId('chat-question').count(), 3);
    assert.equal(await lastAnswer().getAttribute('data-status'), 'done', (await page.getByTestId('chat-error').allTextContents()).join(' '));
    const answers = page.getByTestId('chat-answer');
    assert.equal(await answers.nth(1).getAttribute('data-status'), 'stopped');
    assert.equal(await answers.nth(1).getByTestId('chat-answer-text').textContent(), partial, 'nothing was added to the stopped answer');
  });

  test('the T2 of the question zooms the view to corner 2; its lap 3 shows lap 3', async () => {
    const corner = analysis.corners.find((c) => c.number === 2);
    const length = analysis.track_length_m;
    // pickCorner: 200 m before the corner's entry to 120 m after its exit, inside the lap.
    const want = [Math.max(0, corner.entry_m - 200), Math.min(length, corner.exit_m + 120)];
    const view = async () => (await page.getByTestId('compare-view').getAttribute('data-view-m')).split(',').map(Number);
    const before = await view();
    assert.ok(Math.abs(before[0] - want[0]) > 1 || Math.abs(before[1] - want[1]) > 1, `the view ${before} already shows corner 2`);

    const question = page.getByTestId('chat-question').first();
    await question.getByTestId('ref-corner-2').click();
    await page.waitForFunction(
      (w) => {
        const [a, b] = (document.querySelector('[data-testid="compare-view"]')?.getAttribute('data-view-m') ?? '').split(',').map(Number);
        return Math.abs(a - w[0]) < 1 && Math.abs(b - w[1]) < 1;
      },
      want,
      { timeout: 5000 },
    );
    // Highlighted in the corner table (and on the map) as if hovered.
    if (await page.getByTestId('corner-table').count()) {
      await page.waitForFunction(() => document.querySelector('[data-testid="corner-row"][data-corner="2"]')?.classList.contains('hot'), null, { timeout: 5000 });
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'chat-corner.png'), fullPage: true });

    // Lap 3: compared with the reference (the best lap); when lap 3 is the best lap it is on show already.
    await question.getByTestId('ref-lap-3').click();
    if (analysis.best_lap !== 3) {
      await page.waitForURL(/[?&]laps=3(&|$)/, { timeout: 5000 });
      await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="compare-chip"]')].some((c) => /^L3\b/.test(c.textContent.trim())), null, { timeout: 30_000 });
    }
    const chips = await page.getByTestId('compare-chip').allTextContents();
    assert.ok(chips.some((c) => /^L3\b/.test(c.trim())), `chips ${chips}`);
    // The conversation stays (the panel belongs to the session, not to the picked laps).
    assert.equal(await page.getByTestId('chat-question').count(), 3);
  });

  test('Clear empties the conversation, also after a reload', async () => {
    await page.getByTestId('chat-clear').click();
    await page.getByTestId('chat-endpoint').waitFor();
    assert.equal(await page.getByTestId('chat-question').count(), 0);
    assert.equal(await page.evaluate((k) => localStorage.getItem(k), `racecraft.chat.${sessionId}`), null);
    await page.reload();
    await page.getByTestId('chat-endpoint').waitFor({ timeout: 120_000 });
    assert.equal(await page.getByTestId('chat-answer').count(), 0);
  });

  test('no script errors in the browser console', () => {
    assert.deepEqual(consoleErrors, []);
  });
});
