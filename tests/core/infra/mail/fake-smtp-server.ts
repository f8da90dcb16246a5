import net from 'node:net';
import { once } from 'node:events';

/** One message as the server received it. */
export type ReceivedMail = { from: string; to: string[]; data: string };

/**
 * Just enough SMTP (RFC 5321: greeting, EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET,
 * NOOP, QUIT) for nodemailer to deliver to, with no TLS and no auth. `rejectRecipient` answers
 * RCPT with 550 for that address.
 */
export class FakeSmtpServer {
  readonly received: ReceivedMail[] = [];
  private readonly server = net.createServer((socket) => this.handle(socket));
  private readonly sockets = new Set<net.Socket>();
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly options: { rejectRecipient?: string } = {}) {}

  async listen(): Promise<number> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Resolves once `count` messages arrived. */
  async waitForMessages(count: number): Promise<void> {
    while (this.received.length < count) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  private handle(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.setEncoding('utf8');
    let buffer = '';
    let inData = false;
    let mail: ReceivedMail = { from: '', to: [], data: '' };
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply('220 fake-smtp ready');

    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          mail.data = buffer.slice(0, end + 2).replace(/^\.\./gm, '.');
          buffer = buffer.slice(end + 5);
          inData = false;
          this.received.push(mail);
          mail = { from: '', to: [], data: '' };
          reply('250 2.0.0 OK queued');
          for (const wake of this.waiters.splice(0)) wake();
          continue;
        }
        const lineEnd = buffer.indexOf('\r\n');
        if (lineEnd < 0) return;
        const line = buffer.slice(0, lineEnd);
        buffer = buffer.slice(lineEnd + 2);
        const command = line.slice(0, 4).toUpperCase();
        if (command === 'EHLO') {
          reply('250-fake-smtp');
          reply('250 8BITMIME');
        } else if (command === 'HELO') reply('250 fake-smtp');
        else if (command === 'MAIL') {
          mail.from = /<(.*)>/.exec(line)?.[1] ?? '';
          reply('250 2.1.0 OK');
        } else if (command === 'RCPT') {
          const recipient = /<(.*)>/.exec(line)?.[1] ?? '';
          if (recipient === this.options.rejectRecipient) reply('550 5.1.1 No such user');
          else {
            mail.to.push(recipient);
            reply('250 2.1.5 OK');
          }
        } else if (command === 'DATA') {
          inData = true;
          reply('354 End data with <CR><LF>.<CR><LF>');
        } else if (command === 'RSET') {
          mail = { from: '', to: [], data: '' };
          reply('250 OK');
        } else if (command === 'NOOP') reply('250 OK');
        else if (command === 'QUIT') {
          reply('221 Bye');
          socket.end();
        } else reply('502 Command not implemented');
      }
    });
  }
}
