// The few MessagePack encodings hookd's waPC host calls take (maps of
// strings, byte strings and integers), for this example only.
export class MsgpackWriter {
  private bytes: u8[] = [];

  mapHeader(n: i32): MsgpackWriter {
    assert(n < 16);
    this.bytes.push(<u8>(0x80 | n));
    return this;
  }

  str(s: string): MsgpackWriter {
    const b = Uint8Array.wrap(String.UTF8.encode(s));
    const n = b.length;
    if (n < 32) {
      this.bytes.push(<u8>(0xa0 | n));
    } else {
      this.bytes.push(0xdb);
      this.be(<u64>n, 4);
    }
    return this.raw(b);
  }

  bin(b: Uint8Array): MsgpackWriter {
    this.bytes.push(0xc6);
    this.be(<u64>b.length, 4);
    return this.raw(b);
  }

  int(v: i64): MsgpackWriter {
    if (v >= 0 && v < 128) {
      this.bytes.push(<u8>v);
    } else {
      this.bytes.push(0xd3);
      this.be(<u64>v, 8);
    }
    return this;
  }

  finish(): ArrayBuffer {
    const out = new Uint8Array(this.bytes.length);
    for (let i = 0; i < this.bytes.length; i++) out[i] = this.bytes[i];
    return out.buffer;
  }

  private raw(b: Uint8Array): MsgpackWriter {
    for (let i = 0; i < b.length; i++) this.bytes.push(b[i]);
    return this;
  }

  private be(v: u64, width: i32): void {
    for (let i = width - 1; i >= 0; i--) this.bytes.push(<u8>(v >> (<u64>(i * 8))));
  }
}
