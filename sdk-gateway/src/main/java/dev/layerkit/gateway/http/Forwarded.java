package dev.layerkit.gateway.http;

import io.netty.util.AsciiString;

/** The de-facto {@code X-Forwarded-*} header names. */
final class Forwarded {

  static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
  static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
  static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");

  private Forwarded() {}
}
