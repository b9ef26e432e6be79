import { MAX_BODY_BYTES, cutUtf8, splitOnCharacters, storyWindows } from './text-chunks';

describe('text chunks', () => {
  it('cuts UTF-8 on whole characters, never inside a surrogate pair', () => {
    // '😀' is 4 bytes in UTF-8 and 2 UTF-16 units.
    expect(cutUtf8('ab😀c', 5)).toBe('ab');
    expect(cutUtf8('ab😀c', 6)).toBe('ab😀');
    expect(cutUtf8('é'.repeat(10), 5)).toBe('éé');
    expect(cutUtf8('short', 100)).toBe('short');
  });

  it('splits a run-on text into pieces without halving a character', () => {
    const pieces = splitOnCharacters('a😀b😀c', 2);
    expect(pieces).toEqual(['a', '😀', 'b', '😀', 'c']);
    expect(pieces.join('')).toBe('a😀b😀c');
  });

  it('starts every window with the headline, and reads at most 64 KiB of the body', () => {
    const para = 'Revenue fell in every region. '.repeat(40);
    const body = `${para}\n\n${'😀'.repeat(40_000)}`;
    const windows = storyWindows('Acme cuts outlook', body, 700);
    expect(windows[0]).toBe('Acme cuts outlook');
    expect(windows.length).toBeGreaterThan(3);
    for (const w of windows) expect(w.startsWith('Acme cuts outlook')).toBe(true);
    const read = windows
      .slice(1)
      .map((w) => w.slice('Acme cuts outlook\n'.length))
      .join('');
    expect(Buffer.byteLength(read, 'utf8')).toBeLessThanOrEqual(MAX_BODY_BYTES);
    // No lone surrogate anywhere: every window is well-formed UTF-16.
    for (const w of windows) expect(w).toBe(Buffer.from(w, 'utf8').toString('utf8'));
  });

  it('reads the headline alone when there is no body', () => {
    expect(storyWindows('Acme beats', undefined)).toEqual(['Acme beats']);
    expect(storyWindows('Acme beats', '   ')).toEqual(['Acme beats']);
  });
});
