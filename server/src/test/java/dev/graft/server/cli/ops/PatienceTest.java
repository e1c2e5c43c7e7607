package dev.graft.server.cli.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The retry and deadline logic of --watch on a fake clock: no test here waits. */
class PatienceTest {
  private long now = 1_000_000_000L;
  private final List<Long> sleeps = new ArrayList<>();
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
  private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

  private Patience patience(Duration limit) {
    return new Patience(
        limit,
        err,
        "status",
        () -> now,
        ms -> {
          sleeps.add(ms);
          now += ms * 1_000_000L;
        });
  }

  private String err() {
    return errBytes.toString(StandardCharsets.UTF_8);
  }

  private static ApiClient.ApiError refused() {
    return new ApiClient.ApiError(0, "cannot connect to http://127.0.0.1:1", null, true);
  }

  @Test
  void anOutageShorterThanTheLimitIsRiddenOutWithGrowingBackoffAndSaidOnce() throws Exception {
    int[] calls = {0};
    String answer =
        patience(Duration.ofMinutes(5))
            .call(
                () -> {
                  if (calls[0]++ < 6) {
                    throw refused();
                  }
                  return "op";
                });
    assertEquals("op", answer);
    assertEquals(List.of(500L, 1000L, 2000L, 4000L, 8000L, 10000L), sleeps);
    assertTrue(err().contains("graft status: server unreachable, retrying for up to 5m"), err());
    assertTrue(err().contains("server reachable again after 25s"), err());
    assertEquals(2, err().lines().count(), err());
  }

  @Test
  void anOutageLongerThanTheLimitGivesUpAtTheLimitNamingTheLastError() {
    Patience p = patience(Duration.ofSeconds(30));
    ApiClient.ApiError e =
        assertThrows(
            ApiClient.ApiError.class,
            () ->
                p.call(
                    () -> {
                      throw refused();
                    }));
    assertFalse(e.retryable);
    assertTrue(
        e.getMessage().startsWith("server unreachable for 30s, giving up (cannot connect"),
        e.getMessage());
    // 0.5+1+2+4+8+10 = 25.5 s, then the last sleep is cut to what is left: 4.5 s.
    assertEquals(List.of(500L, 1000L, 2000L, 4000L, 8000L, 10000L, 4500L), sleeps);
  }

  @Test
  void aLongOutageIsRemindedOfEveryHalfMinute() throws Exception {
    int[] calls = {0};
    patience(Duration.ofMinutes(5))
        .call(
            () -> {
              if (calls[0]++ < 15) {
                throw refused();
              }
              return "op";
            });
    // 25.5 s of growing backoff, then 10 s steps: reminders after 35.5 s, 65.5 s and 95.5 s.
    assertEquals(3, err().lines().filter(l -> l.contains("still unreachable")).count(), err());
  }

  @Test
  void permanentErrorsEndAtOnce() {
    for (int status : new int[] {400, 401, 403, 404, 409, 422, 500}) {
      sleeps.clear();
      ApiClient.ApiError e =
          assertThrows(
              ApiClient.ApiError.class,
              () ->
                  patience(Duration.ofMinutes(5))
                      .call(
                          () -> {
                            throw new ApiClient.ApiError(status, "no", null);
                          }));
      assertEquals(status, e.status);
      assertEquals(List.of(), sleeps, "HTTP " + status + " is not retried");
    }
    assertEquals("", err());
  }

  @Test
  void gatewayAndUnavailableAnswersAreRetried() throws Exception {
    for (int status : new int[] {502, 503, 504, 429}) {
      int[] calls = {0};
      assertEquals(
          "ok",
          patience(Duration.ofMinutes(1))
              .call(
                  () -> {
                    if (calls[0]++ == 0) {
                      throw new ApiClient.ApiError(status, "busy", null);
                    }
                    return "ok";
                  }),
          "HTTP " + status);
    }
  }

  @Test
  void zeroTurnsRetriesOff() {
    ApiClient.ApiError e =
        assertThrows(
            ApiClient.ApiError.class,
            () ->
                patience(Duration.ZERO)
                    .call(
                        () -> {
                          throw refused();
                        }));
    assertTrue(e.getMessage().startsWith("cannot connect"), e.getMessage());
    assertEquals(List.of(), sleeps);
  }

  @Test
  void durationsParseWithOrWithoutAUnit() {
    assertEquals(Duration.ofMinutes(5), Patience.parse("5m"));
    assertEquals(Duration.ofSeconds(90), Patience.parse("90s"));
    assertEquals(Duration.ofSeconds(90), Patience.parse("90"));
    assertEquals(Duration.ofHours(1), Patience.parse("1h"));
    assertEquals(Duration.ofMillis(1500), Patience.parse("1500ms"));
    assertEquals(Duration.ZERO, Patience.parse("0"));
    assertThrows(IllegalArgumentException.class, () -> Patience.parse("five minutes"));
    assertThrows(IllegalArgumentException.class, () -> Patience.parse("-1s"));
  }
}
