// A real SMTP server on a free loopback port, for the browser tests: the server under test
// delivers its mail here over SMTP, as it does in production, and the tests read it back.
// It speaks enough RFC 5321 for the server's mailer: EHLO/HELO, MAIL, RCPT, DATA, RSET,
// NOOP, QUIT.
import { createServer } from 'node:net';

export async function startSmtpSink() {
  const messages = [];
  const server = createServer((socket) => {
    socket.setEncoding('utf8');
    let buffer = '';
    let envelope = { from: null, to: [] };
    let data = null;
    const reply = (line) => socket.write(`${line}\r\n`);
    reply('220 localhost ESMTP sink');
    socket.on('data', (chunk) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (data !== null) {
          if (line === '.') {
            messages.push({ from: envelope.from, to: envelope.to, data: data.join('\r\n') });
            envelope = { from: null, to: [] };
            data = null;
            reply('250 2.0.0 queued');
          } else {
            // Dot-stuffing undone (RFC 5321 §4.5.2).
            data.push(line.startsWith('.') ? line.slice(1) : line);
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        const argument = line.slice(4).trim();
        if (verb === 'EHLO') reply('250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8');
        else if (verb === 'HELO') reply('250 localhost');
        else if (verb === 'MAIL') { envelope.from = argument.replace(/^FROM:\s*<?([^>]*)>?.*$/i, '$1'); reply('250 2.1.0 OK'); }
        else if (verb === 'RCPT') { envelope.to.push(argument.replace(/^TO:\s*<?([^>]*)>?.*$/i, '$1')); reply('250 2.1.5 OK'); }
        else if (verb === 'DATA') { data = []; reply('354 end with <CRLF>.<CRLF>'); }
        else if (verb === 'RSET') { envelope = { from: null, to: [] }; reply('250 2.0.0 OK'); }
        else if (verb === 'NOOP') reply('250 2.0.0 OK');
        else if (verb === 'QUIT') { reply('221 2.0.0 bye'); socket.end(); }
        else reply('502 5.5.2 not implemented');
      }
    });
    socket.on('error', () => { /* the client went away */ });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

// The newest message to `to` whose text (quoted-printable soft breaks undone) matches
// `pattern`; waits up to 15 s for it. Returns the match.
export async function mailMatching(sink, to, pattern) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    for (const message of [...sink.messages].reverse()) {
      if (!message.to.includes(to)) continue;
      const match = message.data.replace(/=\r?\n/g, '').match(pattern);
      if (match) return match;
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${to} matching ${pattern}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The path of the link starting with `prefix` in the newest matching mail to `to`.
export async function mailLink(sink, prefix, to) {
  const match = await mailMatching(sink, to, new RegExp(`https?://[^\\s]+(${prefix}[A-Za-z0-9_-]+)`));
  return match[1];
}
