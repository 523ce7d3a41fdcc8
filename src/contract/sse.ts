/** One Server-Sent Event as the live tail sends it (`id:` is the entry's seq). */
export interface SseEvent {
  readonly id: string | null;
  readonly event: string;
  readonly data: string;
}

/**
 * Reads Server-Sent Events from a byte stream (the HTML spec's parsing rules: lines end with CRLF,
 * LF or CR; a blank line dispatches; `:` lines are comments; data lines join with LF). Comments
 * (heartbeats) are yielded as `{ event: 'comment' }` so a reader can tell a live connection.
 */
export async function* readSse(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buf = '';
  let id: string | null = null;
  let event = '';
  let data: string[] = [];
  let pendingCr = false;
  let idInBlock = false;
  for await (const chunk of chunks) {
    buf += decoder.decode(chunk, { stream: true });
    // A CR at the end of one chunk and LF at the start of the next are one line end.
    if (pendingCr && buf.startsWith('\n')) buf = buf.slice(1);
    pendingCr = false;
    for (;;) {
      const m = /\r\n|\n|\r/.exec(buf);
      if (!m) break;
      if (m[0] === '\r' && m.index === buf.length - 1) {
        pendingCr = true;
      }
      const line = buf.slice(0, m.index);
      buf = buf.slice(m.index + m[0].length);
      if (line === '') {
        if (data.length > 0) yield { id, event: event || 'message', data: data.join('\n') };
        // A block with only an id moves the resume point (EventSource's lastEventId does the same).
        else if (idInBlock) yield { id, event: 'id', data: '' };
        data = [];
        event = '';
        idInBlock = false;
        continue;
      }
      if (line.startsWith(':')) {
        yield { id, event: 'comment', data: line.slice(1).trim() };
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id' && !value.includes('\0')) {
        id = value;
        idInBlock = true;
      }
    }
  }
}
