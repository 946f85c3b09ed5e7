// The request body, read from the platform's request at most once, by whoever needs it first (the verb's JSON reader,
// an admin body reader), and handed from there to the activity log: no second read, no patching of the request.
import type { HttpRequest } from '@azure/functions';

export class RequestBody {
  private reading: Promise<Uint8Array> | undefined;
  private bytes: Uint8Array | undefined;

  constructor(private readonly request: HttpRequest) {}

  /** The body's bytes (empty when there is none). Reads the request on the first call; later calls share that read. */
  read(): Promise<Uint8Array> {
    this.reading ??= this.request.arrayBuffer().then((buffer) => (this.bytes = new Uint8Array(buffer)));
    return this.reading;
  }

  /** The bytes if read() has completed, else undefined: a request whose handler never needed its body has none here. */
  get received(): Uint8Array | undefined {
    return this.bytes;
  }
}

/** The bytes as a Buffer over the same memory (no copy), for parsing. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
