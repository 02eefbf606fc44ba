package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The order page in headless Chromium (Debian's {@code chromium} and {@code chromium-driver},
 * driven by Selenium) against the whole order system on free ports: the page loads through the
 * gateway, places orders, lists them newest first, sees the live dashboard count them, and after
 * a reload shows the catalog from {@code localStorage}, revalidated with a 304. The screenshot
 * goes to {@code examples/target/order-page.png}, and to {@code docs/order-page.png} (the
 * README's) with {@code -Dlayerkit.screenshot.update=true}.
 *
 * <p>Without the browser this test fails and says how to install it; it never skips. Elsewhere
 * than on Debian, {@code -Dlayerkit.chromium=...} and {@code -Dlayerkit.chromedriver=...} name the
 * browser and its driver.
 */
class OrderPageBrowserIT {

  /** Debian's paths; other systems point the system properties at their Chromium or Chrome. */
  private static final Path CHROMIUM =
      Path.of(System.getProperty("layerkit.chromium", "/usr/bin/chromium"));
  private static final Path CHROMEDRIVER =
      Path.of(System.getProperty("layerkit.chromedriver", "/usr/bin/chromedriver"));
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Pattern ORDER_ID = Pattern.compile("Order (o-[A-Za-z0-9-]+) placed");

  private OrderSystem system;
  private ChromeDriverService driverService;
  private ChromeDriver browser;
  private WebDriverWait wait;

  @BeforeEach
  void start() throws IOException {
    requireChromium();
    system = OrderSystem.start(OrderSystemOptions.embeddedOnFreePorts());
    driverService = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
        "--window-size=1400,1600", "--hide-scrollbars", "--lang=en-US");
    browser = new ChromeDriver(driverService, options);
    wait = new WebDriverWait(browser, WAIT);
  }

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (driverService != null) {
      driverService.stop();
    }
    if (system != null) {
      system.close();
    }
  }

  @Test
  void placesOrdersListsThemUpdatesTheDashboardAndRevalidatesTheCatalogAfterAReload()
      throws Exception {
    browser.get(system.gatewayUri().toString());
    awaitReady();

    assertThat(browser.findElement(By.id("api-key")).getDomProperty("value"))
        .isEqualTo(OrderSystemOptions.DEMO_API_KEY);
    assertThat(browser.findElement(By.id("customer-id")).getDomProperty("value")).isEqualTo("c-1");
    assertThat(browser.findElement(By.id("catalog-source")).getDomAttribute("data-source"))
        .isEqualTo("network");
    assertThat(browser.findElements(By.cssSelector("#catalog-rows input.quantity"))).hasSize(6);
    assertThat(browser.findElement(By.id("profile")).getText()).contains("customer1@example.com");
    awaitText(By.id("orders-placed"), "0");

    String first = placeOrder("sku-mouse", 2, "sku-dock", 1);
    WebElement firstRow = awaitOrderRow(first);
    assertThat(firstRow.getText()).contains("2 × Wireless mouse", "1 × USB-C dock", "$187.00",
        "PLACED");
    awaitText(By.id("orders-placed"), "1");

    String second = placeOrder("sku-monitor", 1, null, 0);
    awaitOrderRow(second);
    List<String> listed = new ArrayList<>();
    for (WebElement row : browser.findElements(By.cssSelector("#order-rows tr[data-order-id]"))) {
      listed.add(row.getDomAttribute("data-order-id"));
    }
    assertThat(listed).as("newest first").containsExactly(second, first);
    Object keys = script("return window.layerkit.requests.filter(r => r.method === 'POST')"
        + ".map(r => r.idempotencyKey);");
    assertThat(keys).asInstanceOf(InstanceOfAssertFactories.LIST).hasSize(2).doesNotHaveDuplicates()
        .allSatisfy(key -> assertThat(key).asString().matches("web-[0-9a-f]{32}"));
    awaitText(By.id("orders-placed"), "2");
    assertThat(system.dashboard().ordersPlaced()).isEqualTo(2);

    // One order: read through the gateway (twice, so the second read is a cache hit), then paid.
    openOrder(first);
    openOrder(first);
    // The detail panel is re-rendered when the second read answers: each check finds the element
    // anew (textMatches, and a find and click as one step), again if the one found was replaced.
    wait.until(ExpectedConditions.textMatches(
        By.cssSelector("#detail-fields dd[data-field='served-by']"), Pattern.compile("^order-service-")));
    new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class).until(d -> {
      d.findElement(By.cssSelector("#detail-actions button[data-status='PAID']")).click();
      return true;
    });
    awaitText(By.cssSelector("#detail-fields dd[data-field='status']"), "PAID");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(
        By.cssSelector("#order-rows tr[data-order-id='" + first + "']"), "PAID"));
    wait.until(ExpectedConditions.textMatches(By.id("cache-hit-ratio"), Pattern.compile("\\d+\\.\\d%")));
    assertThat(system.cache().stats().hits()).isPositive();

    // Reload: the catalog is in localStorage, so the page only revalidates it.
    CatalogCounts before = catalogCounts();
    assertThat(before.ok()).as("catalog answered 200 by the gateway").isEqualTo(1);
    browser.navigate().refresh();
    awaitReady();
    assertThat(browser.findElement(By.id("catalog-source")).getDomAttribute("data-source"))
        .isEqualTo("revalidated");
    assertThat(browser.findElement(By.id("profile-source")).getDomAttribute("data-source"))
        .isEqualTo("revalidated");
    assertThat(browser.findElements(By.cssSelector("#catalog-rows input.quantity"))).hasSize(6);
    // The browser's own account of the catalog request after the reload: one, a 304.
    Object statuses = script("return performance.getEntriesByType('resource')"
        + ".filter(e => new URL(e.name).pathname === '/api/catalog').map(e => e.responseStatus);");
    assertThat(statuses).isEqualTo(List.of(304L));
    // The gateway's: no new 200 for the catalog route, one more 304.
    CatalogCounts after = catalogCounts();
    assertThat(after.ok()).as("catalog 2xx after the reload").isEqualTo(before.ok());
    assertThat(after.notModified()).as("catalog 3xx after the reload")
        .isEqualTo(before.notModified() + 1);
    awaitOrderRow(first);
    awaitText(By.id("orders-placed"), "2");
    openOrder(second);

    saveScreenshot();
  }

  @Test
  void runsTheNightlyRevenueReportOnDemandAndDrawsItAsStackedBarsBesideTheLiveCounters()
      throws IOException {
    browser.get(system.gatewayUri().toString());
    awaitReady();
    assertThat(script("return document.getElementById('revenue-chart-desc').textContent;"))
        .isEqualTo("No report yet.");
    assertThat(browser.findElements(By.cssSelector("#revenue-chart rect.revenue-bar"))).isEmpty();

    placeOrder("sku-mouse", 2, "sku-dock", 1);
    awaitText(By.id("orders-placed"), "1");
    browser.findElement(By.id("run-revenue")).click();

    // One hour, two products: a segment each, coloured by the product's place in the catalog.
    List<WebElement> bars = wait.until(ExpectedConditions.numberOfElementsToBe(
        By.cssSelector("#revenue-chart rect.revenue-bar"), 2));
    List<String> skus = new ArrayList<>();
    for (WebElement bar : bars) {
      skus.add(bar.getDomAttribute("data-sku"));
      assertThat(Double.parseDouble(bar.getDomAttribute("height"))).isPositive();
    }
    assertThat(skus).containsExactlyInAnyOrder("sku-mouse", "sku-dock");
    assertThat(browser.findElement(By.cssSelector("#revenue-chart rect[data-sku='sku-mouse']"))
        .getDomAttribute("class")).isEqualTo("revenue-bar product-1");
    assertThat(browser.findElement(By.id("revenue-legend")).getText())
        .contains("Wireless mouse", "USB-C dock");
    wait.until(ExpectedConditions.textMatches(By.id("revenue-status"),
        Pattern.compile("Report of .*: 2 order lines read, 2 rows written to revenue_by_product_hour\\.")));
    assertThat(script("return document.getElementById('revenue-chart-desc').textContent;"))
        .isEqualTo("$187.00 in 1 hour across 2 products; best hour $187.00.");
    // The live counters are still there beside it, and the next poll keeps the report drawn.
    awaitText(By.id("orders-placed"), "1");
    assertThat(browser.findElements(By.cssSelector("#revenue-chart rect.revenue-bar"))).hasSize(2);
    Path shot = Path.of(System.getProperty("basedir", ".")).toAbsolutePath()
        .resolve("target/revenue-chart.png");
    Files.createDirectories(shot.getParent());
    Files.write(shot, browser.findElement(By.cssSelector(".area-dashboard"))
        .getScreenshotAs(OutputType.BYTES));
  }

  @Test
  void showsTheFieldErrorsOfARejectedOrderReadably() {
    browser.get(system.gatewayUri().toString());
    awaitReady();
    WebElement quantity = browser.findElement(By.id("qty-sku-webcam"));
    quantity.clear();
    quantity.sendKeys("500");
    browser.findElement(By.id("place-order")).click();
    WebElement error = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("error")));
    assertThat(error.getText()).contains("The request was not accepted (400)",
        "quantity of 1080p webcam: must be 1 to 100 but was 500");
    assertThat(browser.findElement(By.id("order-result")).getText())
        .isEqualTo("The order was not placed.");
    assertThat(system.dashboard().ordersPlaced()).isZero();
  }

  @Test
  void showsTooManyRequestsWithRetryAfterWhenTheKeysRateLimitIsUsedUp() throws Exception {
    system.close();
    system = OrderSystem.start(OrderSystemOptions.embeddedOnFreePorts().withRatePerSecond(1));
    browser.get(system.gatewayUri().toString());
    awaitReady();
    HttpClient client = HttpClient.newHttpClient();
    HttpRequest burst = HttpRequest.newBuilder(system.gatewayUri().resolve("/api/catalog"))
        .header("X-API-Key", system.apiKey()).build();
    // The limit is per API key: use it up from here, then place the order in the page, until
    // the page meets a 429 (the bucket refills one request a second, so a slow click may get in).
    wait.until(driver -> {
      for (int i = 0; i < 5; i++) {
        try {
          client.send(burst, HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
      setQuantity("sku-keyboard", 1);
      WebElement place = browser.findElement(By.id("place-order"));
      place.click();
      // The click handler disables the button until the answer is handled.
      new WebDriverWait(browser, WAIT).until(ExpectedConditions.elementToBeClickable(place));
      WebElement error = browser.findElement(By.id("error"));
      return error.isDisplayed() && error.getText().contains("Too many requests (429)");
    });
    assertThat(browser.findElement(By.id("error")).getText())
        .containsPattern("rate limit at the gateway\\. Retry after \\d+ seconds?\\.");
    wait.until(driver ->
        browser.findElement(By.id("rate-limit-denials")).getText().matches("[1-9]\\d*"));
  }

  private void openOrder(String orderId) {
    browser.findElement(By.cssSelector("#order-rows tr[data-order-id='" + orderId + "'] button"))
        .click();
    awaitText(By.id("detail-title"), "Order " + orderId);
  }

  private String placeOrder(String sku, int quantity, String otherSku, int otherQuantity) {
    setQuantity(sku, quantity);
    if (otherSku != null) {
      setQuantity(otherSku, otherQuantity);
    }
    browser.findElement(By.id("place-order")).click();
    wait.until(ExpectedConditions.textMatches(By.id("order-result"), ORDER_ID));
    Matcher matcher = ORDER_ID.matcher(browser.findElement(By.id("order-result")).getText());
    assertThat(matcher.find()).isTrue();
    return matcher.group(1);
  }

  private void setQuantity(String sku, int quantity) {
    WebElement input = browser.findElement(By.id("qty-" + sku));
    input.clear();
    input.sendKeys(Integer.toString(quantity));
  }

  private WebElement awaitOrderRow(String orderId) {
    return wait.until(ExpectedConditions.visibilityOfElementLocated(
        By.cssSelector("#order-rows tr[data-order-id='" + orderId + "']")));
  }

  private void awaitText(By locator, String text) {
    wait.until(ExpectedConditions.textToBe(locator, text));
  }

  private void awaitReady() {
    wait.until(driver -> Boolean.TRUE.equals(script("return window.layerkit && window.layerkit.ready === true;")));
  }

  private Object script(String source) {
    return ((JavascriptExecutor) browser).executeScript(source);
  }

  /** The gateway's answers on the catalog route by status class, from the admin's /metrics. */
  private record CatalogCounts(long ok, long notModified) {}

  private CatalogCounts catalogCounts() throws IOException, InterruptedException {
    HttpClient client = HttpClient.newHttpClient();
    HttpResponse<String> metrics = client.send(
        HttpRequest.newBuilder(system.adminUri().resolve("/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.statusCode()).isEqualTo(200);
    return new CatalogCounts(count(metrics.body(), "2xx"), count(metrics.body(), "3xx"));
  }

  private static long count(String metrics, String statusClass) {
    Pattern line = Pattern.compile("^layerkit_gateway_requests_seconds_count\\{([^}]*)\\} (\\S+)$",
        Pattern.MULTILINE);
    Matcher matcher = line.matcher(metrics);
    long total = 0;
    while (matcher.find()) {
      String labels = matcher.group(1);
      if (labels.contains("route=\"catalog\"") && labels.contains("status=\"" + statusClass + "\"")) {
        total += (long) Double.parseDouble(matcher.group(2));
      }
    }
    return total;
  }

  private void saveScreenshot() throws IOException {
    browser.executeScript("window.scrollTo(0, 0);");
    byte[] png = browser.getScreenshotAs(OutputType.BYTES);
    Path module = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    Path target = module.resolve("target/order-page.png");
    Files.createDirectories(target.getParent());
    Files.write(target, png);
    // The README's copy changes only on request, so a test run leaves the checkout clean:
    // ./mvnw -B verify -pl examples -Dit.test=OrderPageBrowserIT -Dlayerkit.screenshot.update=true
    if (Boolean.getBoolean("layerkit.screenshot.update")) {
      Path docs = module.getParent().resolve("docs/order-page.png");
      Files.createDirectories(docs.getParent());
      Files.write(docs, png);
    }
    assertThat(png.length).isGreaterThan(10_000);
  }

  private static void requireChromium() {
    List<String> missing = new ArrayList<>();
    if (!Files.isExecutable(CHROMIUM)) {
      missing.add(CHROMIUM + " (Debian package chromium)");
    }
    if (!Files.isExecutable(CHROMEDRIVER)) {
      missing.add(CHROMEDRIVER + " (Debian package chromium-driver)");
    }
    if (!missing.isEmpty()) {
      fail("OrderPageBrowserIT needs headless Chromium and its driver, missing: "
          + String.join(", ", missing) + ". Install them with"
          + " `apt-get update && apt-get install -y chromium chromium-driver` (.ci/run does this"
          + " when they are missing), or name them with -Dlayerkit.chromium=PATH and"
          + " -Dlayerkit.chromedriver=PATH.");
    }
  }
}
