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
          assertThat(dcs).allSatisfy(e -> assertThat(e.getAttribute("class")).contains("verdict-healthy"));
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
        screenshot(browser, "federation-map-gateway-stopped-1280x800");

        browser.manage().window().setSize(new Dimension(390, 844));
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
            assertThat(browser.findElement(By.id("map")).getSize().getWidth()).isLessThanOrEqualTo(390));
        screenshot(browser, "federation-map-390x844");
      } finally {
        browser.quit();
      }
    }
  }
}
