package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.it.Federation.Dc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;

/**
 * The federation map (/ui/) in a real headless Chromium, against a real federation of 3 DCs (a
 * server and a gateway each, processes from the runnable jar): it shows the 3 DCs healthy, a
 * keyboard user tabs to a DC and opens its reasons, and when dc2's only gateway stops, dc2's link
 * turns unhealthy within {@link #LINK_TURNS}. Screenshots at 1280×800 and 390×844 are kept in
 * {@code target/ui-screenshots}.
 */
class FederationMapBrowserTest {
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  /** The stream sends every 2 s; the locator probes a failing gateway every second; SWIM suspects in seconds. */
  static final Duration LINK_TURNS = Duration.ofSeconds(45);
  static final Path SCREENSHOTS = Path.of("target", "ui-screenshots");

  @TempDir Path dir;

  static Optional<String> missingBrowser() {
    if (!Files.isExecutable(CHROMEDRIVER) || !Files.isExecutable(CHROMIUM)) {
      return Optional.of("no " + CHROMIUM + " and " + CHROMEDRIVER + " (Debian's chromium and chromium-driver;"
          + " bin/test installs them)");
    }
    return Optional.empty();
  }

  /** Headless Chromium driven through Debian's driver, so Selenium never downloads one. */
  static WebDriver browser(int width, int height) {
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
        .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--window-size=" + width + "," + height);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    return new ChromeDriver(service, options);
  }

  static void screenshot(WebDriver browser, String name) throws Exception {
    Files.createDirectories(SCREENSHOTS);
    byte[] png = ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
    Files.write(SCREENSHOTS.resolve(name + ".png"), png);
  }

  static String linkClass(WebDriver browser, String dc) {
    List<WebElement> link = browser.findElements(By.cssSelector("line.link[data-dc='" + dc + "']"));
    return link.isEmpty() ? "" : link.get(0).getAttribute("class");
  }

  @Test
  void theMapShowsThreeDcsAndAStoppedGatewayTurnsItsLinkUnhealthy() throws Exception {
    Prerequisites.require(missingBrowser(), "FederationMapBrowserTest");
    try (Federation f = new Federation(dir, "dc1")) {
      Dc dc1 = f.dc("dc1", 1, 1);
      Dc dc2 = f.dc("dc2", 1, 1);
      f.dc("dc3", 1, 1);
      for (Dc dc : f.dcs()) {
        f.startServers(dc, "");
        f.startGateways(dc, Federation.STOP_AT_ONCE);
      }
      f.awaitFederationStates(Map.of("dc1", Set.of("gw1a"), "dc2", Set.of("gw2a"), "dc3", Set.of("gw3a")));

      WebDriver browser = browser(1280, 800);
      try {
        browser.get("http://" + dc1.server().host + ":" + dc1.server().http + "/ui/");
        Awaitility.await().atMost(Federation.CONVERGE).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
          List<WebElement> dcs = browser.findElements(By.cssSelector("g.dc"));
          assertThat(dcs).extracting(e -> e.getAttribute("data-dc")).containsExactlyInAnyOrder("dc1", "dc2", "dc3");
          String status = dc1.server().get("/v1/operator/federation");
          assertThat(dcs).as(status).allSatisfy(e -> assertThat(e.getAttribute("class")).contains("verdict-healthy"));
          assertThat(linkClass(browser, "dc2")).contains("verdict-healthy");
        });
        assertThat(browser.findElement(By.id("viewpoint")).getText()).contains("dc1");
        screenshot(browser, "federation-map-1280x800");

        // Keyboard only: Tab until dc2 has the focus, Enter opens its reasons.
        Actions keys = new Actions(browser);
        for (int i = 0; i < 12 && !"dc2".equals(browser.switchTo().activeElement().getAttribute("data-dc")); i++) {
          keys.sendKeys(Keys.TAB).perform();
        }
        assertThat(browser.switchTo().activeElement().getAttribute("data-dc")).isEqualTo("dc2");
        keys.sendKeys(Keys.ENTER).perform();
        WebElement details = browser.findElement(By.id("details"));
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
            assertThat(details.getText()).contains("dc2", "Reasons", "healthy", "Path from dc1"));

        long stopped = System.nanoTime();
        assertThat(dc2.gateways.get("gw2a").terminate(Duration.ofSeconds(30))).isIn(0, 143);
        Awaitility.await().atMost(LINK_TURNS).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
            assertThat(linkClass(browser, "dc2")).containsAnyOf("verdict-degraded", "verdict-unreachable"));
        System.out.printf("dc2's gateway stopped: its link in dc1's map unhealthy after %d ms%n",
            (System.nanoTime() - stopped) / 1_000_000);
        // Its details follow, with the reason in words.
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
            assertThat(details.getText()).containsAnyOf("degraded", "unreachable"));
        ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("window.scrollTo(0, 0)");
        screenshot(browser, "federation-map-gateway-stopped-1280x800");

        hostileNamesShowAsText(browser, dc1);

        browser.manage().window().setSize(new Dimension(390, 844));
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
            assertThat(browser.findElement(By.id("map")).getSize().getWidth()).isLessThanOrEqualTo(390));
        ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("window.scrollTo(0, 0)");
        screenshot(browser, "federation-map-390x844");
      } finally {
        browser.quit();
      }
    }
  }

  /**
   * A federation state holds what its writer put there: a gateway check's output with markup
   * reaches the page as text.
   */
  private void hostileNamesShowAsText(WebDriver browser, Dc dc1) throws Exception {
    // Node names are checked (letters, digits, '-', '_', dots); a check's output is free text.
    String node = "gw9";
    String output = "<img src=x onerror=window.pwned=1> is up &amp; <i>fine";
    Path state = dir.resolve("dc9.json");
    Files.writeString(state, """
        {"Datacenter":"dc9","MeshGateways":[
          {"Node":{"Node":"NODE","Address":"192.0.2.9","Datacenter":"dc9"},
           "Service":{"ID":"mesh-gateway","Service":"mesh-gateway","Kind":"mesh-gateway","Port":443,
                      "Meta":{"meshfed-wan-federation":"1"},
                      "TaggedAddresses":{"lan":{"Address":"192.0.2.9","Port":443},"wan":{"Address":"192.0.2.9","Port":443}}},
           "Checks":[{"Node":"NODE","CheckID":"alive","Name":"alive","Status":"passing","ServiceID":"mesh-gateway",
                      "Output":"OUTPUT"}]}]}
        """.replace("NODE", node).replace("OUTPUT", output));
    MeshfedProcess.Result apply = MeshfedProcess.run(Duration.ofSeconds(60), "federation-state", "apply",
        state.toString(), "--http-addr", dc1.server().host + ":" + dc1.server().http);
    assertThat(apply.exitCode()).as(apply.stderr().toString()).isZero();
    By dc9 = By.cssSelector("#dc-list button[data-dc='dc9']");
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(browser.findElements(dc9)).hasSize(1));
    browser.findElement(dc9).click();
    WebElement details = browser.findElement(By.id("details"));
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(details.getText()).contains(node, output));
    assertThat(details.findElements(By.cssSelector("img, i"))).isEmpty();
    assertThat(browser.findElements(By.cssSelector("#details script, #map script"))).isEmpty();
    assertThat(((org.openqa.selenium.JavascriptExecutor) browser).executeScript("return window.pwned === undefined"))
        .isEqualTo(true);
  }

  /** With ACLs on, the page asks for a token, refuses a wrong one, and sends the right one in a header. */
  @Test
  void withAclsThePageAsksForATokenAndKeepsItOutOfTheUrl() throws Exception {
    Prerequisites.require(missingBrowser(), "FederationMapBrowserTest");
    String secret = java.util.UUID.randomUUID().toString();
    Path config = dir.resolve("acl.conf");
    Files.writeString(config, "meshfed.acl { enabled = true, tokens = [ { secret = \"" + secret
        + "\", policy = \"operator:read\" } ] }\n");
    int http = MeshfedProcess.freePort();
    try (MeshfedProcess server = MeshfedProcess.start("server", "--dev", "--node", "n1", "--config-file",
        config.toString(), "--http-port", Integer.toString(http), "--grpc-port", Integer.toString(MeshfedProcess.freePort()))) {
      server.awaitReady(Federation.READY);
      WebDriver browser = browser(1280, 800);
      try {
        browser.get("http://127.0.0.1:" + http + "/ui/");
        WebElement form = browser.findElement(By.id("token-form"));
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(form.isDisplayed()).isTrue());
        assertThat(browser.findElement(By.id("main")).isDisplayed()).isFalse();
        assertThat(browser.findElement(By.id("token-reason")).getText()).contains("ACL");

        browser.findElement(By.id("token")).sendKeys("not-" + secret, Keys.ENTER);
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
            assertThat(browser.findElement(By.id("token-reason")).getText()).startsWith("The server refused this token"));

        browser.findElement(By.id("token")).sendKeys(secret, Keys.ENTER);
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
            assertThat(browser.findElements(By.cssSelector("g.dc.verdict-healthy"))).hasSize(1));
        assertThat(form.isDisplayed()).isFalse();
        assertThat(browser.getCurrentUrl()).doesNotContain(secret);
        Object requested = ((org.openqa.selenium.JavascriptExecutor) browser).executeScript(
            "return performance.getEntriesByType('resource').map(e => e.name).join(' ')");
        assertThat((String) requested).contains("/v1/operator/federation/stream").doesNotContain(secret);
      } finally {
        browser.quit();
      }
    }
  }
}
