package dev.layerkit.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.TooLongFrameException;
import java.util.Arrays;

/**
 * Follows a chunked body passed through as bytes, for the {@link UpstreamResponseReader}: finds
 * where the body ends and counts its data bytes (for the access log), without copying the data.
 * Chunk-size lines (hex size, then optional extensions) and trailer lines are checked whole; chunk
 * data is skipped. Strict where a lenient parse could disagree with the client's: every line must
 * end in CRLF, and NUL, bare CR and other control bytes are refused ({@link
 * BadResponseException}).
 *
 * <p>States ({@link State}): a chunk-size line, chunk data, the CRLF after the data, trailer lines
 * up to the empty line. Not thread-safe: one per reader.
 */
final class ChunkedBodyScanner {

  private static final byte CR = '\r';
  private static final byte LF = '\n';

  /** What comes next in the body. */
  private enum State {
    /** A chunk-size line. */
    SIZE,
    /** {@link #remaining} bytes of chunk data. */
    DATA,
    /** The CRLF after a chunk's data. */
    DATA_END,
    /** Trailer lines up to the empty line (after the last, zero-size, chunk). */
    TRAILERS,
    /** The body ended. */
    ENDED
  }

  private State state = State.ENDED;
  private long remaining;
  private int trailerBytes;
  /** Scratch space for a chunk-size or trailer line. */
  private byte[] lineBytes = new byte[64];
  /** Where the last {@link #scan} stopped. */
  private int position;
  /** Data bytes among those the last {@link #scan} went past. */
  private long data;

  /** Starts a body. */
  void start() {
    state = State.SIZE;
  }

  /** Whether the body ended (its trailer section's empty line is read). */
  boolean ended() {
    return state == State.ENDED;
  }

  /** Where the last scan stopped: the bytes before it belong to the body. */
  int position() {
    return position;
  }

  /** The data bytes, chunk framing not counted, among those the last scan went past. */
  long data() {
    return data;
  }

  /**
   * Goes as far into {@code in[from, end)} as whole lines and any part of chunk data allow, and
   * stops at the body's end; {@link #position} and {@link #data} then say how far, also when it
   * throws.
   *
   * @throws BadResponseException if the body is malformed
   */
  void scan(ByteBuf in, int from, int end) throws BadResponseException {
    position = from;
    data = 0;
    while (position < end) {
      switch (state) {
        case SIZE -> {
          int lineEnd = lineEnd(in, position, end, UpstreamResponseReader.MAX_CHUNK_LINE,
              "chunk-size line");
          if (lineEnd < 0) {
            return;
          }
          long size = chunkSize(in, position, lineEnd);
          position = lineEnd;
          if (size == 0) {
            trailerBytes = 0;
            state = State.TRAILERS;
          } else {
            remaining = size;
            state = State.DATA;
          }
        }
        case DATA -> {
          int bytes = (int) Math.min(remaining, end - position);
          position += bytes;
          data += bytes;
          remaining -= bytes;
          if (remaining == 0) {
            state = State.DATA_END;
          }
        }
        case DATA_END -> {
          if (end - position < 2) {
            return;
          }
          if (in.getByte(position) != CR || in.getByte(position + 1) != LF) {
            throw new BadResponseException("chunk data not followed by CRLF");
          }
          position += 2;
          state = State.SIZE;
        }
        case TRAILERS -> {
          int lineEnd = lineEnd(in, position, end,
              UpstreamResponseReader.MAX_HEADER_SIZE - trailerBytes, "trailer section");
          if (lineEnd < 0) {
            return;
          }
          trailerBytes += lineEnd - position;
          boolean empty = lineEnd - position == 2;
          if (!empty) {
            trailerLine(in, position, lineEnd);
          }
          position = lineEnd;
          if (empty) {
            state = State.ENDED;
            return;
          }
        }
        case ENDED -> {
          return;
        }
        default -> throw new IllegalStateException(state.name());
      }
    }
  }

  /**
   * Returns the end (after the LF) of the CRLF-terminated line at {@code from}, or -1 if it has
   * not all arrived.
   *
   * @throws BadResponseException if the line is longer than {@code max} or does not end in CRLF
   */
  private static int lineEnd(ByteBuf in, int from, int end, int max, String what)
      throws BadResponseException {
    int searchEnd = Math.min(end, from + max);
    int lf = in.indexOf(from, searchEnd, LF);
    if (lf < 0) {
      if (end - from >= max) {
        throw new BadResponseException(new TooLongFrameException(what + " longer than " + max
            + " bytes"));
      }
      return -1;
    }
    if (lf == from || in.getByte(lf - 1) != CR) {
      throw new BadResponseException(what + " not ended by CRLF");
    }
    return lf + 1;
  }

  /** Parses a chunk-size line: hex digits, then optional extensions without control bytes. */
  private long chunkSize(ByteBuf in, int from, int lineEnd) throws BadResponseException {
    int length = lineEnd - 2 - from;
    byte[] line = scratch(length);
    in.getBytes(from, line, 0, length);
    long size = 0;
    int i = 0;
    while (i < length) {
      int digit = Character.digit(line[i], 16);
      if (digit < 0) {
        break;
      }
      if (size > (Long.MAX_VALUE >> 4)) {
        throw new BadResponseException("chunk size too large");
      }
      size = (size << 4) | digit;
      i++;
    }
    if (i == 0) {
      throw new BadResponseException("invalid chunk size");
    }
    if (i < length) {
      int ext = i;
      while (ext < length && (line[ext] == ' ' || line[ext] == '\t')) {
        ext++;
      }
      if (ext == length || line[ext] != ';') {
        throw new BadResponseException("invalid chunk size");
      }
      for (; ext < length; ext++) {
        int b = line[ext] & 0xff;
        if ((b < 0x20 && b != '\t') || b == 0x7f) {
          throw new BadResponseException("control byte in a chunk extension");
        }
      }
    }
    return size;
  }

  /** Checks a trailer line: a token name, a colon, a value without NUL or CR. */
  private void trailerLine(ByteBuf in, int from, int lineEnd) throws BadResponseException {
    int length = lineEnd - 2 - from;
    byte[] line = scratch(length);
    in.getBytes(from, line, 0, length);
    int colon = 0;
    while (colon < length && ResponseHeadScanner.TOKEN[line[colon] & 0xff]) {
      colon++;
    }
    if (colon == 0 || colon == length || line[colon] != ':') {
      throw new BadResponseException("invalid trailer line");
    }
    for (int i = colon + 1; i < length; i++) {
      if (line[i] == 0 || line[i] == CR) {
        throw new BadResponseException("NUL or CR in a trailer");
      }
    }
  }

  private byte[] scratch(int length) {
    if (lineBytes.length < length) {
      lineBytes = Arrays.copyOf(lineBytes, Math.max(length, lineBytes.length * 2));
    }
    return lineBytes;
  }
}
