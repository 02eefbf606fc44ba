package dev.layerkit.gateway.http;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The {@link Auth} behind {@link Auth#anyOf}: the first success wins, else the first failure. */
final class AnyOfAuth implements Auth {

  private final Auth[] auths;

  private AnyOfAuth(Auth[] auths) {
    this.auths = auths;
  }

  static AnyOfAuth of(Auth... auths) {
    Objects.requireNonNull(auths, "auths");
    if (auths.length == 0) {
      throw new IllegalArgumentException("auths must not be empty but was []");
    }
    Auth[] copy = auths.clone();
    for (int i = 0; i < copy.length; i++) {
      Objects.requireNonNull(copy[i], "auths[" + i + "]");
    }
    return new AnyOfAuth(copy);
  }

  @Override
  public AuthResult authenticate(GatewayRequest request) {
    AuthResult first = auths[0].authenticate(request);
    if (first.authenticated()) {
      return first;
    }
    for (int i = 1; i < auths.length; i++) {
      AuthResult result = auths[i].authenticate(request);
      if (result.authenticated()) {
        return result;
      }
    }
    return first;
  }

  /**
   * Asks every alternative while the request view is valid (stopping at a success that is there
   * at once), then picks as {@link #authenticate} does once all have answered.
   */
  @Override
  public CompletionStage<AuthResult> authenticateAsync(GatewayRequest request) {
    @SuppressWarnings({"unchecked", "rawtypes"}) // no generic array creation in Java
    CompletableFuture<AuthResult>[] answers = new CompletableFuture[auths.length];
    for (int i = 0; i < auths.length; i++) {
      CompletableFuture<AuthResult> answer = auths[i].authenticateAsync(request).toCompletableFuture();
      if (answer.isDone() && !answer.isCompletedExceptionally() && answer.getNow(null).authenticated()) {
        return answer;
      }
      answers[i] = answer;
    }
    return CompletableFuture.allOf(answers).thenApply(done -> { // every answer is in: no waits
      for (CompletableFuture<AuthResult> answer : answers) {
        if (answer.getNow(null).authenticated()) {
          return answer.getNow(null);
        }
      }
      return answers[0].getNow(null);
    });
  }

  @Override
  public String toString() {
    return "AnyOf" + Arrays.toString(auths);
  }
}
