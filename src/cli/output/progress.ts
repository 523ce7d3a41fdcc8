/** A one-line "fetched N entries" indicator on stderr, shown only when stderr is a terminal. */
export interface Progress {
  update(count: number): void;
  done(): void;
}

export function progressLine(stream: NodeJS.WritableStream & { isTTY?: boolean }, label: string): Progress {
  if (stream.isTTY !== true) return { update() {}, done() {} };
  let shown = false;
  return {
    update(count) {
      stream.write(`\r\u001b[K${label}: ${count.toLocaleString('en-US')} fetched…`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\u001b[K');
    },
  };
}
