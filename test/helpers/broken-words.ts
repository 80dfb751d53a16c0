/**
 * A script for page.evaluate: every place a cell's text goes to a new line inside a word, as
 * "cell text: after <char>". A line may break inside a word only after a hyphen or a slash (a
 * model id, a path), and never in a header, an id (code), a time, or anything marked nowrap.
 * With strictOnly, free text is left to the browser (a pasted token may have to break).
 */
export function brokenWords(cells: string, options: { strictOnly?: boolean } = {}): string {
  return `(() => {
  const broken = [];
  const range = document.createRange();
  for (const cell of document.querySelectorAll(${JSON.stringify(cells)})) {
    const strict = cell.tagName === 'TH';
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      // Within one text node: where two nodes meet (a block under another) is no word.
      let previous; // { top, char } of the character before, inside the same word
      const inStrict = strict || node.parentElement.closest('code, time, .nowrap') !== null;
      if (${options.strictOnly === true} && !inStrict) continue;
      for (let i = 0; i < node.data.length; i++) {
        const char = node.data[i];
        if (/\\s/.test(char)) { previous = undefined; continue; }
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const top = range.getBoundingClientRect().top;
        if (previous && top > previous.top + 2) {
          const allowed = !inStrict && (previous.char === '-' || previous.char === '/');
          if (!allowed) broken.push(cell.textContent.trim() + ': after ' + JSON.stringify(previous.char));
        }
        previous = { top, char };
      }
    }
  }
  return broken;
})()`;
}
