// sha256 while the bytes pass, and gunzip only when they are gzip: a cache
// with no layers has one 1024-byte all-zero "gzip" layer that is not gzip.
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** Counts and hashes what passes; `digest()` once the stream has ended. */
export class DigestStream extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;
  constructor(private readonly maxBytes = Number.POSITIVE_INFINITY) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      cb(new Error(`more than ${this.maxBytes} bytes`));
      return;
    }
    this.hash.update(chunk);
    cb(null, chunk);
  }
  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

/** Gunzips if the first two bytes are gzip's magic, else passes the bytes through. */
export class MaybeGunzip extends Transform {
  private decided: 'gzip' | 'plain' | null = null;
  private head = Buffer.alloc(0);
  private gunzip: ReturnType<typeof createGunzip> | null = null;
  private pendingEnd: TransformCallback | null = null;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.decided === null) {
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < 2) return cb();
      chunk = this.head;
      this.decided = chunk[0] === 0x1f && chunk[1] === 0x8b ? 'gzip' : 'plain';
      if (this.decided === 'gzip') {
        this.gunzip = createGunzip();
        this.gunzip.on('data', (d: Buffer) => {
          if (!this.push(d)) this.gunzip?.pause();
        });
        this.gunzip.on('error', (err) => this.destroy(err));
        this.gunzip.on('end', () => this.pendingEnd?.());
      }
    }
    if (this.decided === 'plain') return cb(null, chunk);
    // Back-pressure from gunzip: wait for it to take the chunk.
    if (this.gunzip!.write(chunk)) cb();
    else this.gunzip!.once('drain', () => cb());
  }

  override _read(size: number): void {
    this.gunzip?.resume();
    super._read(size);
  }

  override _flush(cb: TransformCallback): void {
    if (this.decided === null && this.head.length > 0) this.push(this.head);
    if (!this.gunzip) return cb();
    this.pendingEnd = cb;
    this.gunzip.end();
  }
}
