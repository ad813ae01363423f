// An independent HL7 v2 client for the MLLP listener's tests: Medplum's
// @medplum/hl7 (not ketaflow's code) frames each message, sends it, waits
// for the ACK and prints what the ACK says, one JSON line per message.
// Usage: node client.mjs PORT MESSAGES.json (a list of messages, segments
// separated by \r).
import { readFileSync } from 'node:fs';
import { Hl7Client } from '@medplum/hl7';
import { Hl7Message } from '@medplum/core';

const [port, file] = process.argv.slice(2);
const messages = JSON.parse(readFileSync(file, 'utf8'));
const client = new Hl7Client({ host: '127.0.0.1', port: Number(port) });
try {
  for (const text of messages) {
    const ack = await client.sendAndWait(Hl7Message.parse(text), { timeoutMs: 10000 });
    const msa = ack.getSegment('MSA');
    const err = ack.getSegment('ERR');
    console.log(JSON.stringify({
      type: ack.header.getField(9).toString(),
      code: msa.getField(1).toString(),
      control_id: msa.getField(2).toString(),
      text: msa.getField(3).toString(),
      error: err ? err.getField(3).getComponent(1) : '',
    }));
  }
} catch (e) {
  console.error(e);
  process.exit(1);
}
// Medplum's close waits for the socket to linger; the listener must cope
// with a client that just goes, so this one does.
process.exit(0);
