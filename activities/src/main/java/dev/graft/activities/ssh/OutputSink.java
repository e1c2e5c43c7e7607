package dev.graft.activities.ssh;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Where one remote stream goes: a ring buffer keeping only the last {@code capacity} bytes (so a
 * chatty command cannot exhaust the worker's heap), a byte counter, and a line splitter feeding the
 * {@link OutputListener}.
 */
final class OutputSink extends OutputStream {
  static final int MAX_LINE = 8 * 1024;

  private final OutputKind kind;
  private final OutputListener listener;
  private final AtomicReference<RuntimeException> listenerFailure;
  private final byte[] ring;
  private int start;
  private int size;
  private long total;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();

  OutputSink(
      OutputKind kind,
      int capacity,
      OutputListener listener,
      AtomicReference<RuntimeException> failure) {
    this.kind = kind;
    this.ring = new byte[capacity];
    this.listener = listener;
    this.listenerFailure = failure;
  }

  @Override
  public synchronized void write(int b) {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public synchronized void write(byte[] data, int offset, int length) {
    total += length;
    keep(data, offset, length);
    if (listener != null) {
      split(data, offset, length);
    }
  }

  private void keep(byte[] data, int offset, int length) {
    int capacity = ring.length;
    if (capacity == 0) {
      return;
    }
    if (length >= capacity) {
      System.arraycopy(data, offset + length - capacity, ring, 0, capacity);
      start = 0;
      size = capacity;
      return;
    }
    for (int i = 0; i < length; i++) {
      int end = (start + size) % capacity;
      ring[end] = data[offset + i];
      if (size < capacity) {
        size++;
      } else {
        start = (start + 1) % capacity;
      }
    }
  }

  private void split(byte[] data, int offset, int length) {
    for (int i = offset; i < offset + length; i++) {
      byte b = data[i];
      if (b == '\n') {
        emit();
      } else {
        line.write(b);
        if (line.size() >= MAX_LINE) {
          emit();
        }
      }
    }
  }

  private void emit() {
    byte[] bytes = line.toByteArray();
    line.reset();
    int length = bytes.length;
    if (length > 0 && bytes[length - 1] == '\r') {
      length--;
    }
    if (listenerFailure.get() != null) {
      return;
    }
    try {
      listener.onLine(kind, new String(bytes, 0, length, StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      listenerFailure.compareAndSet(null, e);
    }
  }

  /** Delivers a last line that had no terminator. */
  synchronized void finish() {
    if (listener != null && line.size() > 0) {
      emit();
    }
  }

  synchronized long total() {
    return total;
  }

  synchronized boolean truncated() {
    return total > size;
  }

  synchronized byte[] tailBytes() {
    byte[] out = new byte[size];
    for (int i = 0; i < size; i++) {
      out[i] = ring[(start + i) % ring.length];
    }
    return out;
  }

  /** The kept tail as text; when it was cut, a partial UTF-8 sequence at its start is dropped. */
  synchronized String tailText() {
    byte[] bytes = tailBytes();
    int from = 0;
    if (truncated()) {
      while (from < bytes.length && from < 3 && (bytes[from] & 0xC0) == 0x80) {
        from++;
      }
    }
    return new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8);
  }
}
