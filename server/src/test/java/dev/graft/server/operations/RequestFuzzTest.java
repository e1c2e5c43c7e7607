package dev.graft.server.operations;

import static dev.graft.server.operations.OperationsFixture.JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.server.inventory.Seeds;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A bounded fuzz run over the API, as the security review ran it (3a, 3b, 3d), generated from a
 * fixed seed so that a failure replays: inventories from config/examples, truncated, flipped,
 * shuffled and injected with hostile values and YAML bombs, to {@code POST /plans}; operation
 * bodies with wrong types, deep nesting, trailing data and server paths, to {@code POST
 * /operations}; odd Content-Types, charsets and parameters. Every answer must be 2xx or 4xx, within
 * 2 s, and the server's memory must stay bounded. It prints the largest latency.
 */
class RequestFuzzTest {
  static final OperationsFixture F = new OperationsFixture();
  static final long SEED = 1337;
  static final long MAX_MILLIS = 2000;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    F.anonymousOperator = true;
    // Fuzzed host names must not wait on (or reach) a real resolver for long.
    F.start("operations: {planDnsTimeout: 100ms}");
  }

  @AfterAll
  static void stop() throws Exception {
    F.stop();
  }

  record Case(String name, String method, String path, String type, byte[] body) {}

  static final String[] PAYLOADS = {
    "$(touch /tmp/pwned)",
    ";touch /tmp/pwned;",
    "`id`",
    "a|b",
    "a&&b",
    "a\nb",
    "'\"",
    "<img src=x onerror=alert(1)>",
    "../../etc/passwd",
    "-oProxyCommand=touch /tmp/pwned",
    "a b",
    "${jndi:ldap://x/y}",
    "x".repeat(10_000),
    "\u202Eevil",
    "a\u200Bb",
    "\uFF11\uFF12",
    "\u0000"
  };

  static final String[] BOMBS = {
    "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        + "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n",
    "a: &a\n  b: *a\n",
    "x: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[]]]\n",
    "x: !!python/object/apply:os.system ['id']\n",
    "<<: *undefined\n",
    "[".repeat(100_000),
    "a:\n" + "  ".repeat(1) + "- ".repeat(5000) + "x\n",
    "---\n".repeat(10_000),
    "? [a, b]\n: c\n",
    "x: !!binary AAAA\ny: !!set {a, b}\n"
  };

  static List<Case> corpus() throws Exception {
    Random r = new Random(SEED);
    List<Case> out = new ArrayList<>();
    String[][] seeds = {
      {"inventory.ini", "text/plain"},
      {"hosts.yaml", "application/yaml"},
      {"graft.yaml", "application/yaml"},
      {"metalk8s-nodes.yaml", "application/yaml"}
    };
    for (String[] s : seeds) {
      String text = Files.readString(Seeds.example(s[0]));
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < 15; i++) {
        out.add(
            plan(
                s[0] + "-truncate-" + i,
                s[1],
                java.util.Arrays.copyOf(bytes, r.nextInt(bytes.length))));
      }
      for (int i = 0; i < 15; i++) {
        byte[] b = bytes.clone();
        for (int k = 1 + r.nextInt(8); k > 0; k--) {
          b[r.nextInt(b.length)] = (byte) r.nextInt(256);
        }
        out.add(plan(s[0] + "-flip-" + i, s[1], b));
      }
      List<String> lines = List.of(text.split("\n"));
      for (int i = 0; i < 10; i++) {
        List<String> l = new ArrayList<>(lines);
        int a = r.nextInt(l.size());
        int b = r.nextInt(l.size());
        switch (i % 4) {
          case 0 -> l.remove(a);
          case 1 -> l.add(a, l.get(b));
          case 2 -> java.util.Collections.swap(l, a, b);
          default -> l.add(a, BOMBS[r.nextInt(BOMBS.length)].split("\n")[0]);
        }
        out.add(
            plan(
                s[0] + "-lines-" + i, s[1], String.join("\n", l).getBytes(StandardCharsets.UTF_8)));
      }
      for (int i = 0; i < 12; i++) {
        // A hostile value in place of a value: after '=' (INI) or ': ' (YAML).
        String payload = PAYLOADS[r.nextInt(PAYLOADS.length)];
        int at =
            Math.max(
                text.indexOf('=', r.nextInt(text.length())),
                text.indexOf(": ", r.nextInt(text.length())));
        if (at < 0) {
          at = text.length() / 2;
        }
        int end = text.indexOf('\n', at);
        String mutated =
            text.substring(0, at + 1)
                + (s[1].equals("text/plain") ? payload : JSON.writeValueAsString(payload))
                + text.substring(end < 0 ? text.length() : end);
        out.add(plan(s[0] + "-payload-" + i, s[1], mutated.getBytes(StandardCharsets.UTF_8)));
      }
    }
    for (int i = 0; i < BOMBS.length; i++) {
      out.add(plan("bomb-" + i, "application/yaml", BOMBS[i].getBytes(StandardCharsets.UTF_8)));
    }
    String[] ranges = {
      "node[0:99999999]",
      "node[0:9999999999]",
      "n[0:4095]",
      "n[0:4096]",
      "n[0:4095][0:4095]",
      "[a:z][a:z][a:z]",
      "n[0:10:0]",
      "n[9:1]",
      "n[01:100]",
      "n[\u0660:\u0669]"
    };
    for (String range : ranges) {
      out.add(
          plan(
              "range-" + range,
              "text/plain",
              ("[kube_control_plane]\ncp1 ansible_host=10.0.0.1\n"
                      + "[etcd]\ncp1\n[kube_node]\n"
                      + range
                      + "\n")
                  .getBytes(StandardCharsets.UTF_8)));
    }
    out.add(
        plan(
            "long-comment",
            "text/plain",
            ("#" + "x".repeat(1 << 20) + "\n[etcd]\n").getBytes(StandardCharsets.UTF_8)));
    out.add(
        plan(
            "long-host",
            "text/plain",
            ("[kube_node]\n" + "h".repeat(1 << 20) + "\n").getBytes(StandardCharsets.UTF_8)));
    out.add(
        plan(
            "3mb-scalar",
            "application/yaml",
            ("all:\n  vars:\n    x: " + "a".repeat(3 << 20) + "\n")
                .getBytes(StandardCharsets.UTF_8)));
    out.add(
        plan(
            "4mib-plus-1",
            "text/plain",
            "a".repeat((4 << 20) + 1).getBytes(StandardCharsets.UTF_8)));
    out.add(
        plan(
            "many-hosts-one-line",
            "text/plain",
            ("[kube_node]\n" + "h ".repeat(100_000)).getBytes(StandardCharsets.UTF_8)));
    out.add(
        plan(
            "deep-json",
            "application/json",
            ("[".repeat(100_000) + "]".repeat(100_000)).getBytes(StandardCharsets.UTF_8)));
    out.add(plan("utf16", "text/plain", "[etcd]\ncp1\n".getBytes(StandardCharsets.UTF_16)));
    out.add(plan("bom", "text/plain", ("\uFEFF[etcd]\ncp1\n").getBytes(StandardCharsets.UTF_8)));
    out.add(plan("empty", "text/plain", new byte[0]));
    out.add(
        plan(
            "crlf",
            "text/plain",
            Files.readString(Seeds.example("inventory.ini"))
                .replace("\n", "\r\n")
                .getBytes(StandardCharsets.UTF_8)));

    // Operation bodies.
    String inv = OperationsFixture.inventory("fuzz", "n1", "n2");
    String valid = OperationsFixture.expandBody("fuzz-ok", inv, null);
    String[] fields = {
      "\"kind\":%s",
      "\"requestId\":%s",
      "\"inventory\":%s",
      "\"kubeconfig\":%s",
      "\"knownHosts\":%s",
      "\"ssh\":%s",
      "\"options\":%s",
      "\"ssh\":{\"port\":%s}",
      "\"options\":{\"maxParallel\":%s}",
      "\"inventory\":{\"path\":%s}",
      "\"colour\":%s"
    };
    String[] values = {
      "1",
      "null",
      "true",
      "[]",
      "{}",
      "\"\"",
      "1.5",
      "1e400",
      "\"22\"",
      "-1",
      "2147483648",
      "\"/etc/passwd\"",
      "\"/proc/self/environ\"",
      "\"/dev/zero\"",
      "\"../x\"",
      "\"relative\"",
      "\"" + "z".repeat(70) + "\"",
      "{\"a\":" + "[".repeat(2000) + "]".repeat(2000) + "}",
      JSON.writeValueAsString(PAYLOADS[0]),
      JSON.writeValueAsString("x".repeat(1_000_000))
    };
    int n = 0;
    for (String f : fields) {
      for (int i = 0; i < 6; i++) {
        String v = values[r.nextInt(values.length)];
        String body =
            "{\"kind\":\"expand\",\"requestId\":\"fz"
                + (n++)
                + "\","
                + f.formatted(v)
                + ",\"inventory\":{\"text\":"
                + JSON.writeValueAsString(inv)
                + "}}";
        out.add(op("field-" + f.replaceAll("[^a-zA-Z.]", "") + "-" + i, "application/json", body));
      }
    }
    String[] garbage = {
      valid + "xyz",
      valid + valid,
      "",
      " ",
      "{",
      "[]",
      "null",
      "\"s\"",
      "42",
      "{\"kind\":}",
      "{'kind':'expand'}",
      "{\"kind\":\"expand\",}",
      "/* c */{}",
      "NaN",
      "{\"zzz\":" + "{\"a\":".repeat(1000) + "1" + "}".repeat(1001),
      "{\"" + "k".repeat(5_000_000) + "\":1}",
      " ".repeat(1 << 20) + valid,
      "[" + "1,".repeat(500_000) + "1]",
      "{\"a\":1" + "0".repeat(100_000) + "}"
    };
    for (int i = 0; i < garbage.length; i++) {
      out.add(op("garbage-" + i, "application/json", garbage[i]));
    }
    for (int i = 0; i < 12; i++) {
      byte[] b = valid.getBytes(StandardCharsets.UTF_8);
      for (int k = 1 + r.nextInt(6); k > 0; k--) {
        b[r.nextInt(b.length)] = (byte) r.nextInt(256);
      }
      out.add(new Case("op-flip-" + i, "POST", "/api/v1/operations", "application/json", b));
    }
    String[] types = {
      null,
      "",
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data",
      "application/json; charset=bogus",
      "application/json; charset=utf-16",
      "application/json;charset=\"utf-8\"",
      "application/xml",
      "APPLICATION/JSON",
      "application/json; charset=iso-8859-1",
      "*/*"
    };
    for (String t : types) {
      out.add(
          op(
              "type-" + t,
              t,
              valid.replace("fuzz-ok", "t" + Math.abs(String.valueOf(t).hashCode()))));
      out.add(
          new Case(
              "plan-type-" + t, "POST", "/api/v1/plans", t, inv.getBytes(StandardCharsets.UTF_8)));
    }
    String[] queries = {
      "maxParallel=abc",
      "maxParallel=2147483648",
      "maxParallel=",
      "checkFiles=maybe",
      "assumeEmpty=false",
      "maxParallel=5&maxParallel=6",
      "checkFiles=%00",
      "maxParallel=%ff",
      "x=" + "y".repeat(5000),
      "maxParallel=1e3"
    };
    for (String q : queries) {
      out.add(
          new Case(
              "query-" + q.substring(0, Math.min(20, q.length())),
              "POST",
              "/api/v1/plans?" + q,
              "text/plain",
              inv.getBytes(StandardCharsets.UTF_8)));
    }
    String[] ids = {
      "cluster/../../etc/passwd",
      "cluster/a/b/..",
      "cluster/%2e%2e/x/y",
      "cluster/a/b/%00",
      "cluster/a/b/" + "c".repeat(5000),
      "cluster/a/b/c;x=y",
      "cluster/a/b/c/d/e",
      "cluster/\u00e9/b/c",
      "cluster/a/b/%ff%fe",
      "cluster/fuzz/expand/nope"
    };
    for (String id : ids) {
      String safe = id.replace("\u00e9", "%C3%A9");
      for (String action :
          new String[] {"", "/history", "/abort?reason=%3Cimg%3E", "/approve?node=%00"}) {
        out.add(
            new Case(
                "id-" + safe.hashCode() + action.hashCode(),
                action.isEmpty() || action.equals("/history") ? "GET" : "POST",
                "/api/v1/operations/" + safe + action,
                "application/json",
                new byte[0]));
      }
    }
    return out;
  }

  static Case plan(String name, String type, byte[] body) {
    return new Case(
        name, "POST", "/api/v1/plans?checkFiles=" + (name.hashCode() % 5 == 0), type, body);
  }

  static Case op(String name, String type, String body) {
    return new Case(
        name, "POST", "/api/v1/operations", type, body.getBytes(StandardCharsets.UTF_8));
  }

  static long rssKb() throws Exception {
    for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (l.startsWith("VmRSS:")) {
        return Long.parseLong(l.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  @Test
  void threeHundredFuzzedRequestsAnswer4xxOr2xxQuicklyWithBoundedMemory() throws Exception {
    List<Case> corpus = corpus();
    assertTrue(corpus.size() >= 300, "corpus of " + corpus.size());
    long rss0 = rssKb();
    long rssMax = rss0;
    long worst = 0;
    String worstCase = "";
    int[] classes = new int[6];
    List<String> failures = new ArrayList<>();
    for (Case c : corpus) {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(F.url() + c.path()))
              .timeout(Duration.ofSeconds(10))
              .method(
                  c.method(),
                  c.body().length == 0 && "GET".equals(c.method())
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofByteArray(c.body()));
      if (c.type() != null && !c.type().isEmpty()) {
        b.header("Content-Type", c.type());
      }
      long t0 = System.nanoTime();
      int status;
      try {
        status = HTTP.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
      } catch (java.net.http.HttpTimeoutException e) {
        status = 0; // a hang
      } catch (java.io.IOException e) {
        // The server answers 413 and closes before a body over its limit is sent; the client
        // may see the connection go instead of the answer. A small request that met a kept-alive
        // connection the server had just closed (it says Connection: close after a refusal) is
        // sent once more on a new connection, as HTTP clients do; lost twice, it fails.
        if (c.body().length > dev.graft.server.security.RequestGuard.MAX_BODY) {
          status = 413;
        } else {
          java.net.http.HttpClient fresh =
              java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
          try {
            status = fresh.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
          } catch (java.io.IOException again) {
            status = 0;
          }
        }
      }
      long ms = (System.nanoTime() - t0) / 1_000_000;
      classes[status / 100]++;
      if (ms > worst) {
        worst = ms;
        worstCase = c.name();
      }
      if (status / 100 != 2 && status / 100 != 4 || ms > MAX_MILLIS) {
        failures.add(c.name() + ": " + status + " in " + ms + " ms");
      }
      rssMax = Math.max(rssMax, rssKb());
    }
    System.out.printf(
        "fuzz: %d requests (seed %d): %d x 2xx, %d x 4xx, %d x 5xx, %d hangs;"
            + " max latency %d ms (%s); RSS %d MB -> max %d MB%n",
        corpus.size(),
        SEED,
        classes[2],
        classes[4],
        classes[5],
        classes[0],
        worst,
        worstCase,
        rss0 / 1024,
        rssMax / 1024);
    assertEquals(List.of(), failures);
    assertEquals(0, classes[5]);
    // The test JVM holds the server, Temporal and the worker; one request may not add a heap.
    assertTrue(
        rssMax - rss0 < 768 * 1024,
        "RSS grew from " + rss0 / 1024 + " MB to " + rssMax / 1024 + " MB");
    assertTrue(!Files.exists(Path.of("/tmp/pwned")), "nothing ran");
  }
}
