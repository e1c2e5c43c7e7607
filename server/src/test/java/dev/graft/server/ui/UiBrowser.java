package dev.graft.server.ui;

import dev.graft.server.testing.Prereqs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's chromium, headless, driven by Debian's chromedriver through Selenium. Both paths are set
 * explicitly, so Selenium Manager (which would download a driver or a browser) never runs; the
 * flags keep Chromium from calling any outside host, and each browser gets a fresh profile
 * directory that {@link #close} deletes. Missing programs skip the test, or fail it when
 * GRAFT_REQUIRE_PREREQS=1 (CI).
 */
public final class UiBrowser implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  /** Relative to the module: server/target/ui-screenshots. */
  static final Path SCREENSHOTS = Path.of("target", "ui-screenshots");

  final ChromeDriver driver;
  private final ChromeDriverService service;
  private final Path profile;

  private UiBrowser(ChromeDriver driver, ChromeDriverService service, Path profile) {
    this.driver = driver;
    this.service = service;
    this.profile = profile;
  }

  public static UiBrowser start() throws IOException {
    return start(new String[0]);
  }

  /** With more Chromium switches (a host-resolver rule, say). */
  static UiBrowser start(String... extraArguments) throws IOException {
    Prereqs.require("chromium (apt-get install chromium)", CHROMIUM);
    Prereqs.require("chromedriver (apt-get install chromium-driver)", CHROMEDRIVER);
    Path profile = Files.createTempDirectory("graft-ui-chromium");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1600,1000",
        "--user-data-dir=" + profile);
    options.addArguments(extraArguments);
    try {
      ChromeDriver driver = new ChromeDriver(service, options);
      driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
      return new UiBrowser(driver, service, profile);
    } catch (RuntimeException e) {
      service.stop();
      delete(profile);
      throw e;
    }
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } catch (RuntimeException e) {
      // Chromium is gone already; the service and profile still go below.
    } finally {
      service.stop();
      delete(profile);
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A temp directory left behind is not worth failing a test over.
    }
  }

  /**
   * Opens a URL of the UI in a signed-out tab: the origin's sessionStorage is cleared on another
   * document of the same origin first, so the URL then loads as a new page without a token.
   */
  void openSignedOut(String url) {
    java.net.URI u = java.net.URI.create(url);
    driver.get(u.getScheme() + "://" + u.getAuthority() + "/ui/style.css");
    js("sessionStorage.clear();");
    driver.get(url);
  }

  void signIn(String token) {
    until("the sign-in form", d -> !d.findElements(By.id("token")).isEmpty());
    WebElement input = driver.findElement(By.id("token"));
    input.clear();
    input.sendKeys(token);
    driver.findElement(By.id("login-submit")).click();
  }

  Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  Object jsAsync(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeAsyncScript(script, args);
  }

  /** Loads a page of the UI (the lab tests open an operation's page with it). */
  public void open(String url) {
    driver.get(url);
  }

  public <T> T until(String what, Function<WebDriver, T> condition) {
    return until(what, Duration.ofSeconds(30), condition);
  }

  <T> T until(String what, Duration timeout, Function<WebDriver, T> condition) {
    WebDriverWait wait = new WebDriverWait(driver, timeout, Duration.ofMillis(100));
    wait.withMessage(() -> "waiting for " + what);
    wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
    return wait.until(
        d -> {
          T v = condition.apply(d);
          return v instanceof Boolean b && !b ? null : v;
        });
  }

  /**
   * Clicks the element {@code css} names, finding it again if the page re-rendered it between the
   * find and the click (the operation page redraws every 2 s).
   */
  void click(String css) {
    until(
        "a click on " + css,
        d -> {
          find(css).click();
          return true;
        });
  }

  WebElement find(String css) {
    return driver.findElement(By.cssSelector(css));
  }

  List<WebElement> all(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  /**
   * Saves a PNG of the whole page (the window grows to the page's height for it, up to 6,000
   * pixels) under target/ui-screenshots; returns its path.
   */
  public Path screenshot(String name) throws IOException {
    Files.createDirectories(SCREENSHOTS);
    Path out = SCREENSHOTS.resolve(name + ".png");
    Dimension before = driver.manage().window().getSize();
    long height =
        ((Number) js("return Math.ceil(document.documentElement.scrollHeight);")).longValue();
    try {
      driver
          .manage()
          .window()
          .setSize(
              new Dimension(
                  before.getWidth(),
                  (int) Math.min(6000, Math.max(before.getHeight(), height + 120))));
      Files.write(out, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    } finally {
      driver.manage().window().setSize(before);
    }
    return out;
  }
}
