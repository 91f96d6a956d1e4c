/**
 * A connection's acknowledgements of inbound packets (PUBACK, PUBREC,
 * PUBCOMP), sent in the order their packets arrived [MQTT-4.6.0-2], although
 * the store may release them out of order: a message whose receivers
 * acknowledged it at once needs no flush, while the one before it still
 * waits for one. An acknowledgement that may go at once but has others
 * waiting before it joins the line behind them.
 */
export type SendAck = () => void;

export class OrderedAcks {
  /** In arrival order; `send` is set once the acknowledgement may go. */
  private line: Array<{ send: SendAck | undefined }> = [];

  /** Acknowledgements still waiting (for the store, or behind one that does). */
  get waiting(): number {
    return this.line.length;
  }

  /** Send now, or behind the acknowledgements still waiting. */
  send(send: SendAck): void {
    if (this.line.length === 0) send();
    else this.line.push({ send });
  }

  /** Take a place in line now; the returned function is called with the sender once it may go. */
  reserve(): (send: SendAck) => void {
    const place: { send: SendAck | undefined } = { send: undefined };
    this.line.push(place);
    return (send) => {
      place.send = send;
      while (this.line.length > 0 && this.line[0]!.send !== undefined) this.line.shift()!.send!();
    };
  }
}
