/**
 * The HTML reports as a person opens them: in headless Chromium at a laptop's width, every
 * word of every table cell fits its column, so no header, status or id is broken between
 * letters, and no table is wider than the page.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { brokenWords } from '../helpers/broken-words.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { trail } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-repo.js';
import { ScriptedRepo } from './fixture.js';

describe('HTML reports in Chromium', () => {
  let browser: Browser;
  before(async () => {
    browser = await chromium.launch(CHROMIUM);
  });
  after(async () => {
    await browser?.close();
  });

  test('at 1280 px every word of every table cell fits its column, and every table fits the page', async () => {
    const s = await ScriptedRepo.create();
    try {
      await s.change({
        name: 'refunds',
        day: 1,
        requester: 'dana.developer@acme.example',
        prompt: 'PAY-142: refunds must never exceed what is left of the original charge',
        tests: { passed: 3 },
        reviews: [{ reviewer: 'riley@acme.example', decision: 'approve' }],
        deploy: ['production'],
      });
      await s.change({ name: 'limits', day: 2, prompt: 'PAY-150: rate-limit refunds per merchant' });
      await s.change({ name: 'docs', day: 3, checkpoint: false });
      const dir = tempDir('trail-html-layout-');
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      for (const kind of ['soc2', 'eu-ai-act', 'nist-ai-rmf', 'slsa', 'checklist', 'gaps']) {
        const file = join(dir, `${kind}.html`);
        const r = await trail(s.dir, 'report', kind, '--format', 'html', '--out', file);
        assert.equal(r.code, 0, r.stderr);
        await page.goto(pathToFileURL(file).href);
        assert.ok((await page.locator('table').count()) > 0, `${kind}: has tables`);
        assert.deepEqual(
          await page.evaluate(brokenWords('th, td')),
          [],
          `${kind}: words broken between letters`,
        );
        const [scrollWidth, innerWidth] = (await page.evaluate(
          '[document.documentElement.scrollWidth, window.innerWidth]',
        )) as [number, number];
        assert.ok(scrollWidth <= innerWidth, `${kind}: the page is ${scrollWidth} px wide`);
      }
    } finally {
      s.cleanup();
    }
  });
});
