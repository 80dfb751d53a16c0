/**
 * Debian's Chromium, headless, as the dashboard tests drive it through playwright-core: no
 * download, no sandbox (CI runs as root), and nothing that reaches beyond the test's server.
 */
export const CHROMIUM = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};
