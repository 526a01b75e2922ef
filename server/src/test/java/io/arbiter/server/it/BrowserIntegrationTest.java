package io.arbiter.server.it;

import com.sun.net.httpserver.HttpServer;
import io.arbiter.server.config.ServerConfig;
import io.arbiter.server.http.Answer;
import io.arbiter.server.http.HttpVerticle;
import io.arbiter.server.http.Module;
import io.arbiter.server.http.RouteTable;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.ui.UiModule;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard, the demo page and the browser client in a real browser: Debian's headless Chromium driven by
 * Selenium through chromium-driver, against the full server (embedded Postgres included). Sign-in (a wrong token is
 * said to be wrong), the demo experiment in the list, pause and resume from the keyboard, a chart drawing real points
 * after traffic, the definition editor showing the server's 400 next to the field, the demo page deciding and
 * rewarding, a page on another origin deciding and rewarding while the admin API refuses it, the campaigns page,
 * Postgres away shown as degraded, the admin API off explained, every visible text at 4.5:1 contrast or more, and no
 * page breaking its Content-Security-Policy or throwing (the browser's console).
 * A screenshot of each page is written under {@code target/ui-screenshots} (or {@code -Dui.screenshots=DIR}: see
 * {@code scripts/ui-screenshots.sh}).
 *
 * <p>Skipped, saying why, where Chromium or its driver is absent ({@code CHROMIUM_BIN}, {@code CHROMEDRIVER} override
 * {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver}); {@code .ci/run} installs them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BrowserIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path dataDir;
    static TestServer server;
    static ChromeDriver driver;
    static HttpServer otherOrigin;
    static Path shots;

    @BeforeAll
    static void start() throws Exception {
        final File chromium = new File(System.getenv().getOrDefault("CHROMIUM_BIN", "/usr/bin/chromium"));
        final File chromedriver = new File(System.getenv().getOrDefault("CHROMEDRIVER", "/usr/bin/chromedriver"));
        final boolean present = chromium.canExecute() && chromedriver.canExecute();
        final String why = "BrowserIntegrationTest skipped: " + chromium + " or " + chromedriver + " is missing "
            + "(apt-get install chromium chromium-driver; .ci/run installs them; CHROMIUM_BIN and CHROMEDRIVER name "
            + "other paths)";
        if (!present) {
            System.err.println(why); // surefire counts a class skipped in @BeforeAll as 0 tests: say it here
        }
        Assumptions.assumeTrue(present, why);
        shots = Path.of(System.getProperty("ui.screenshots", "target/ui-screenshots"));
        Files.createDirectories(shots);
        final JsonObject defaults = new JsonObject(Files.readString(Path.of("..", "config", "server.json")));
        server = TestServer.start(TestServer.config(dataDir, TestServer.freePort())
            .put("bidding", defaults.getJsonObject("bidding")).put("campaigns", defaults.getJsonArray("campaigns"))
            .put("history", new JsonObject().put("sampleInterval", "PT0.5S")));
        final ChromeOptions options = new ChromeOptions().setBinary(chromium)
            .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1800", "--force-device-scale-factor=1");
        options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
        final ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver)
            .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (otherOrigin != null) {
            otherOrigin.stop(0);
        }
        if (server != null) {
            server.close();
        }
    }

    private static String url(String path) {
        return "http://127.0.0.1:" + server.port + path;
    }

    private static WebDriverWait waiting() {
        final WebDriverWait wait = new WebDriverWait(driver, WAIT, Duration.ofMillis(100));
        wait.ignoring(StaleElementReferenceException.class); // the pages redraw what they poll
        return wait;
    }

    private static WebElement visible(String css) {
        return waiting().until(d -> {
            final List<WebElement> found = d.findElements(By.cssSelector(css));
            return !found.isEmpty() && found.get(0).isDisplayed() ? found.get(0) : null;
        });
    }

    /**
     * The text of the first element matching {@code css} once it contains {@code expected} (or, after the wait, as it
     * is): the pages redraw what they poll, so an element is looked up again until its text is read.
     */
    private static String textOf(String css, String expected) {
        try {
            return waiting().until(d -> {
                final String text = d.findElement(By.cssSelector(css)).getText();
                return text.contains(expected) ? text : null;
            });
        } catch (org.openqa.selenium.TimeoutException e) {
            return driver.findElement(By.cssSelector(css)).getText();
        }
    }

    private static Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    private static void screenshot(String name) throws Exception {
        final File file = driver.getScreenshotAs(OutputType.FILE);
        Files.copy(file.toPath(), shots.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    private static void signIn() {
        driver.get(url("/ui/"));
        js("sessionStorage.setItem('arbiter.adminToken', arguments[0]);", TestServer.ADMIN_TOKEN);
    }

    private static long rewardsOf(String experiment, String variant) throws Exception {
        for (final Object o : server.stats(experiment).getJsonArray("variantStats")) {
            final JsonObject v = (JsonObject) o;
            if (v.getString("variant").equals(variant)) {
                return v.getLong("rewards");
            }
        }
        throw new AssertionError("no variant " + variant);
    }

    private static void awaitRewards(String experiment, String variant, long expected) throws Exception {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (rewardsOf(experiment, variant) < expected && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(expected, rewardsOf(experiment, variant), "rewards of " + experiment + "/" + variant);
    }

    @Test
    @Order(1)
    void aWrongTokenIsSaidToBeWrongAndTheRightOneShowsTheDemoExperiment() throws Exception {
        driver.get(url("/ui/"));
        js("sessionStorage.clear();");
        driver.navigate().refresh();
        final WebElement token = visible("#token");
        token.sendKeys("not-the-token", Keys.ENTER);
        final WebElement error = visible("#signin-error");
        assertTrue(error.getText().contains("Wrong token"), error.getText());
        assertContrast("sign-in with an error");
        screenshot("signin");
        visible("#token").sendKeys(TestServer.ADMIN_TOKEN, Keys.ENTER);
        assertTrue(textOf("#experiments tr[data-id='hero']", "A, B, C").contains("A, B, C"));
        assertFalse(driver.getCurrentUrl().contains(TestServer.ADMIN_TOKEN), "never in a URL");
        assertEquals(TestServer.ADMIN_TOKEN, js("return sessionStorage.getItem('arbiter.adminToken');"));
    }

    @Test
    @Order(2)
    void pauseAndResumeWorkFromTheKeyboard() throws Exception {
        signIn();
        driver.navigate().refresh();
        visible("#experiments tr[data-id='hero'] button[data-action='pause']");
        boolean reached = false;
        for (int i = 0; i < 40 && !reached; i++) {
            driver.switchTo().activeElement().sendKeys(Keys.TAB);
            reached = Boolean.TRUE.equals(js("var a = document.activeElement; return a.getAttribute('data-experiment')"
                + " === 'hero' && a.getAttribute('data-action') === 'pause';"));
        }
        assertTrue(reached, "the pause button of hero is reachable with Tab");
        driver.switchTo().activeElement().sendKeys(Keys.ENTER);
        visible("#experiments tr[data-id='hero'] [data-status='paused']");
        assertEquals("paused", server.stats("hero").getString("status"));
        waiting().until(d -> "resume".equals(js("return document.activeElement.getAttribute('data-action');")));
        driver.switchTo().activeElement().sendKeys(Keys.ENTER);
        visible("#experiments tr[data-id='hero'] [data-status='active']");
        assertEquals("active", server.stats("hero").getString("status"));
    }

    @Test
    @Order(3)
    void aChartDrawsRealPointsAfterTraffic() throws Exception {
        for (int i = 0; i < 60; i++) {
            final JsonObject decision = server.decide("hero", "chart-" + i);
            if (i % 3 == 0) {
                server.reward(decision.getString("decisionId"), 1);
            }
        }
        signIn();
        driver.get(url("/ui/experiment.html?id=hero"));
        final WebElement chart = waiting().until(d -> {
            final WebElement c = d.findElement(By.id("chart-share"));
            final String points = c.getAttribute("data-points");
            return points != null && Integer.parseInt(points) > 0 ? c : null;
        });
        final long inked = (Long) js("var canvas = arguments[0].querySelector('canvas');"
            + "var data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;"
            + "var n = 0; for (var i = 0; i < data.length; i += 4) { if (data[i + 3] > 0 && (data[i] < 200"
            + " || data[i + 1] < 200 || data[i + 2] < 200)) { n++; } } return n;", chart);
        assertTrue(inked > 500, "the stacked traffic chart has ink on its canvas: " + inked + " pixels");
        visible("#chart-best canvas");
        visible("#chart-density canvas");
        for (final String absent : new String[] {"segments", "lift", "guardrails", "evaluations"}) {
            assertFalse(driver.findElement(By.id(absent)).isDisplayed(), absent + ": hidden when the stats lack it");
        }
        assertTrue(textOf("#variants tbody", "A").contains("A"));
        screenshot("experiment");
    }

    @Test
    @Order(4)
    void segmentsLiftAndGuardrailsAreShownWhenTheStatsHaveThem() throws Exception {
        final JsonObject definition = new JsonObject().put("variants", new io.vertx.core.json.JsonArray().add("A")
            .add("B")).put("context", new JsonObject().put("model", "segments")
            .put("attributes", new io.vertx.core.json.JsonArray().add("device")));
        final java.net.http.HttpResponse<String> put = server.admin("PUT", "/v1/experiments/seg", definition.encode());
        assertTrue(put.statusCode() == 201 || put.statusCode() == 200, put.body());
        for (int i = 0; i < 40; i++) {
            final java.net.http.HttpResponse<String> decided = server.post("/v1/decide", new JsonObject()
                .put("experiment", "seg").put("unit", "s-" + i)
                .put("context", new JsonObject().put("device", i % 2 == 0 ? "mobile" : "desktop")).encode());
            assertEquals(200, decided.statusCode(), decided.body());
            server.reward(new JsonObject(decided.body()).getString("decisionId"), i % 3 == 0 ? 1 : 0);
        }
        signIn();
        driver.get(url("/ui/experiment.html?id=seg"));
        waiting().until(d -> d.findElements(By.cssSelector("#segments-table tbody tr")).size() >= 2);
        assertTrue(textOf("#segments-summary", "segments").contains("segments"));
        assertTrue(textOf("#segments-table", "device").contains("device"));
        screenshot("segments");
        // an evaluation of the logged decisions shows in the Evaluations section once the page polls again
        final String evaluation = "{\"policies\": [{\"name\": \"always-A\", \"type\": \"fixed\", \"variant\": \"A\"}]}";
        java.net.http.HttpResponse<String> posted = server.admin("POST", "/v1/experiments/seg/evaluations", evaluation);
        final long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
        while (posted.statusCode() == 422 && System.nanoTime() < deadline) { // decision rows not shipped yet
            Thread.sleep(200);
            posted = server.admin("POST", "/v1/experiments/seg/evaluations", evaluation);
        }
        assertEquals(202, posted.statusCode(), posted.body());
        final String job = new JsonObject(posted.body()).getString("id");
        waiting().until(d -> d.findElement(By.id("evaluations")).isDisplayed()
            && d.findElement(By.id("evaluations-body")).getText().contains("always-A"));
        assertTrue(textOf("#evaluations-body", job).contains(job));

        final JsonObject guarded = new JsonObject().put("variants", new io.vertx.core.json.JsonArray().add("A")
            .add("B")).put("holdout", 0.3).put("guardrails", new io.vertx.core.json.JsonArray()
            .add(new JsonObject().put("metric", "unsubscribe").put("direction", "lower").put("maxRelativeHarm", 0.2)));
        final java.net.http.HttpResponse<String> created = server.admin("PUT", "/v1/experiments/guarded",
            guarded.encode());
        assertTrue(created.statusCode() == 201 || created.statusCode() == 200, created.body());
        for (int i = 0; i < 30; i++) {
            server.reward(server.decide("guarded", "g-" + i).getString("decisionId"), i % 2);
        }
        driver.get(url("/ui/experiment.html?id=guarded"));
        assertTrue(textOf("#lift-body", "Holdout group").contains("Holdout group"));
        assertTrue(textOf("#guardrails-body", "unsubscribe").contains("lower is better"));
        assertFalse(driver.findElement(By.id("segments")).isDisplayed());
        final String text = waiting().until(d -> {
            final String v = d.findElement(By.id("definition")).getAttribute("value");
            return v.isEmpty() ? null : v;
        });
        final JsonObject shown = new JsonObject(text);
        assertFalse(shown.containsKey("arms") || shown.containsKey("variantStats") || shown.containsKey("lift"),
            "the editor shows the stored definition, not the stats: " + text);
        assertEquals("unsubscribe", shown.getJsonArray("guardrails").getJsonObject(0).getString("metric"));
        screenshot("guardrails");
    }

    @Test
    @Order(5)
    void theDefinitionEditorShowsTheServersMessageNextToTheField() throws Exception {
        signIn();
        driver.get(url("/ui/experiment.html?id=hero"));
        final WebElement editor = waiting().until(d -> {
            final WebElement e = d.findElement(By.id("definition"));
            return e.isDisplayed() && !e.getAttribute("value").isEmpty() ? e : null;
        });
        js("arguments[0].value = JSON.stringify({variants: [], rewardModel: 'bernoulli'});", editor);
        driver.findElement(By.id("validate")).click();
        final WebElement result = visible("#definition-result");
        assertEquals("variants", result.getAttribute("data-field"));
        assertTrue(result.getText().contains("variants"), result.getText());
        js("arguments[0].value = JSON.stringify({variants: ['A', 'B', 'C'], rewardModel: 'gaussian'});", editor);
        driver.findElement(By.id("save")).click();
        waiting().until(d -> "rewardModel".equals(d.findElement(By.id("definition-result"))
            .getAttribute("data-field")));
        assertEquals("bernoulli", server.stats("hero").getString("rewardModel"), "nothing was saved");
    }

    @Test
    @Order(6)
    void theDemoPageGetsAVariantAndRewardsIt() throws Exception {
        driver.get(url("/ui/demo.html"));
        final WebElement box = waiting().until(d -> {
            final WebElement b = d.findElement(By.id("hero"));
            final String id = b.getAttribute("data-decision");
            return id != null && !id.isEmpty() ? b : null;
        });
        final String variant = box.getAttribute("data-variant");
        assertTrue(List.of("A", "B", "C").contains(variant), variant);
        final long before = rewardsOf("hero", variant);
        driver.findElement(By.id("like")).click();
        visible("#demo-status[data-rewarded='1']");
        awaitRewards("hero", variant, before + 1);
        screenshot("demo");
    }

    @Test
    @Order(7)
    void aPageOnAnotherOriginDecidesAndRewardsButTheAdminApiRefusesIt() throws Exception {
        final String api = url("");
        final String page = "<!doctype html><html><head><title>shop</title></head><body>"
            + "<p id='variant'></p><p id='reward'></p><p id='admin'></p>"
            + "<script src='" + api + "/sdk/arbiter.js'></script><script>"
            + "arbiter.decide({experiment: 'hero', unit: 'shop-visitor', timeoutMs: 5000}).then(function (d) {"
            + "  var v = document.getElementById('variant');"
            + "  v.textContent = d.fallback ? 'fallback: ' + d.reason : d.variant;"
            + "  v.setAttribute('data-fallback', String(d.fallback));"
            + "  document.getElementById('reward').textContent = String(arbiter.reward(d.decisionId, 1, {now: true}));"
            + "  return fetch('" + api + "/v1/experiments', {headers: {Authorization: 'Bearer "
            + TestServer.ADMIN_TOKEN + "'}});"
            + "}).then(function (r) { document.getElementById('admin').textContent = 'allowed ' + r.status; },"
            + "  function (e) { document.getElementById('admin').textContent = 'refused: ' + e.message; });"
            + "</script></body></html>";
        otherOrigin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        otherOrigin.createContext("/", exchange -> {
            final byte[] bytes = page.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        otherOrigin.start();
        final long[] before = {rewardsOf("hero", "A"), rewardsOf("hero", "B"), rewardsOf("hero", "C")};
        driver.get("http://127.0.0.1:" + otherOrigin.getAddress().getPort() + "/");
        final WebElement admin = waiting().until(d -> {
            final WebElement a = d.findElement(By.id("admin"));
            return a.getText().isEmpty() ? null : a;
        });
        final WebElement variant = driver.findElement(By.id("variant"));
        assertEquals("false", variant.getAttribute("data-fallback"), variant.getText());
        assertEquals("true", driver.findElement(By.id("reward")).getText());
        assertTrue(admin.getText().startsWith("refused"), "the admin API is not open to other origins: "
            + admin.getText());
        final int index = List.of("A", "B", "C").indexOf(variant.getText());
        assertTrue(index >= 0, variant.getText());
        awaitRewards("hero", variant.getText(), before[index] + 1);
    }

    @Test
    @Order(8)
    void theClientFallsBackOnATimeoutAndSendsQueuedRewardsWhenThePageIsLeft() throws Exception {
        // the page on another origin (no policy of ours restricts where it may connect)
        driver.get("http://127.0.0.1:" + otherOrigin.getAddress().getPort() + "/");
        waiting().until(d -> !d.findElement(By.id("admin")).getText().isEmpty());
        final HttpServer silent = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        silent.createContext("/", exchange -> {
            try {
                Thread.sleep(3_000); // a server that answers too late
                exchange.sendResponseHeaders(503, -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                exchange.close();
            }
        });
        silent.start();
        try {
            @SuppressWarnings("unchecked")
            final Map<String, Object> late = (Map<String, Object>) ((JavascriptExecutor) driver).executeAsyncScript(
                "var done = arguments[arguments.length - 1]; var started = Date.now();"
                + "arbiter.create({baseUrl: arguments[0], timeoutMs: 300})"
                + ".decide({experiment: 'hero', unit: 'late', fallback: 'A'})"
                + ".then(function (d) { d.waited = Date.now() - started; done(d); });",
                "http://127.0.0.1:" + silent.getAddress().getPort());
            assertEquals(Boolean.TRUE, late.get("fallback"));
            assertEquals("A", late.get("variant"));
            assertTrue(String.valueOf(late.get("reason")).startsWith("timeout"), String.valueOf(late));
            assertTrue(((Number) late.get("waited")).longValue() < 2_500, "did not wait for the server: " + late);
        } finally {
            silent.stop(0);
        }
        driver.get(url("/ui/demo.html"));
        visible("#hero[data-variant]");
        @SuppressWarnings("unchecked")
        final Map<String, Object> decision = (Map<String, Object>) ((JavascriptExecutor) driver).executeAsyncScript(
            "var done = arguments[arguments.length - 1];"
            + "arbiter.decide({experiment: 'hero', unit: 'leaving', timeoutMs: 5000}).then(function (d) {"
            + "  arbiter.reward(d.decisionId, 1); d.pending = arbiter.pending; done(d); });");
        assertEquals(Boolean.FALSE, decision.get("fallback"), String.valueOf(decision));
        assertEquals(1L, ((Number) decision.get("pending")).longValue(), "queued, not sent yet");
        final String variant = (String) decision.get("variant");
        final long before = rewardsOf("hero", variant);
        driver.get(url("/ui/"));
        awaitRewards("hero", variant, before + 1);
    }

    @Test
    @Order(9)
    void theCampaignsPageShowsSpendAgainstTheSchedule() throws Exception {
        signIn();
        driver.get(url("/ui/campaigns.html"));
        waiting().until(d -> {
            final List<WebElement> chart = d.findElements(By.id("campaign-spring-sale-spend"));
            return !chart.isEmpty() && Integer.parseInt(chart.get(0).getAttribute("data-points")) > 0;
        });
        assertTrue(driver.findElement(By.id("campaign-spring-sale")).getText().contains("500.00 USD"));
        visible("#curves-note");
        screenshot("campaigns");
    }

    @Test
    @Order(10)
    void everyPageKeepsItsTextAtFourAndAHalfToOneContrast() throws Exception {
        signIn();
        driver.manage().logs().get(LogType.BROWSER); // drains what earlier tests logged
        for (final String path : new String[] {"/ui/", "/ui/experiment.html?id=hero", "/ui/campaigns.html",
            "/ui/demo.html"}) {
            driver.get(url(path));
            Thread.sleep(1_500);
            assertContrast(path);
            for (final LogEntry entry : driver.manage().logs().get(LogType.BROWSER)) {
                final String message = entry.getMessage();
                assertFalse(message.contains("Content Security Policy") || message.contains("Refused to")
                    || message.contains("Uncaught"), path + ": the page broke its policy or threw: " + message);
            }
            if (path.equals("/ui/")) {
                screenshot("experiments");
            }
        }
    }

    private static void assertContrast(String where) {
        @SuppressWarnings("unchecked")
        final List<String> low = (List<String>) js(CONTRAST);
        assertTrue(low.isEmpty(), where + ": text below 4.5:1 contrast: " + low);
    }

    /** Lists visible text elements whose colour against their effective background is below 4.5:1. */
    private static final String CONTRAST = String.join("\n",
        "function parse(c) { var m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) { return null; }",
        "  var p = m[1].split(',').map(function (x) { return parseFloat(x); });",
        "  return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; }",
        "function lum(c) { function ch(v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055,",
        "  2.4); } return 0.2126 * ch(c.r) + 0.7152 * ch(c.g) + 0.0722 * ch(c.b); }",
        "function background(el) { var layers = []; for (var e = el; e; e = e.parentElement) {",
        "  var c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0) { layers.push(c); if (c.a >= 1) {",
        "  break; } } } var out = {r: 255, g: 255, b: 255}; for (var i = layers.length - 1; i >= 0; i--) {",
        "  var l = layers[i]; out = {r: l.r * l.a + out.r * (1 - l.a), g: l.g * l.a + out.g * (1 - l.a),",
        "  b: l.b * l.a + out.b * (1 - l.a)}; } return out; }",
        "var low = []; var all = document.querySelectorAll('body *');",
        "for (var i = 0; i < all.length; i++) { var el = all[i];",
        "  var text = Array.prototype.some.call(el.childNodes, function (n) {",
        "    return n.nodeType === 3 && n.textContent.trim().length > 0; });",
        "  if (!text || el.offsetParent === null && getComputedStyle(el).position !== 'fixed') { continue; }",
        "  var r = el.getBoundingClientRect(); if (r.width === 0 || r.height === 0 || r.right < 0) { continue; }",
        "  var s = getComputedStyle(el); var fg = parse(s.color); var bg = background(el);",
        "  var opacity = 1;",
        "  for (var e = el; e; e = e.parentElement) { opacity *= parseFloat(getComputedStyle(e).opacity); }",
        "  var f = {r: fg.r * fg.a * opacity + bg.r * (1 - fg.a * opacity), g: fg.g * fg.a * opacity",
        "    + bg.g * (1 - fg.a * opacity), b: fg.b * fg.a * opacity + bg.b * (1 - fg.a * opacity)};",
        "  var l1 = lum(f); var l2 = lum(bg); var ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);",
        "  if (ratio < 4.5) { low.push(el.tagName + '.' + el.className + ' \"' + el.textContent.trim().slice(0, 30)",
        "    + '\" ' + ratio.toFixed(2)); } }",
        "return low;");

    @Test
    @Order(11)
    void postgresAwayIsShownAsDegradedWhileThePageKeepsWorking() throws Exception {
        signIn();
        driver.get(url("/ui/experiment.html?id=hero"));
        visible("#variants tbody tr");
        server.app.embeddedPostgres().stop();
        try {
            final long deadline = System.nanoTime() + WAIT.toNanos();
            boolean degraded = false;
            while (!degraded && System.nanoTime() < deadline) {
                server.reward(server.decide("hero", "outage").getString("decisionId"), 1);
                degraded = new JsonObject(server.get("/ready").body()).getBoolean("degraded");
                Thread.sleep(50);
            }
            assertTrue(degraded, "/ready reports the outage");
            visible("body[data-degraded='true'] #status .banner.warn");
            assertTrue(driver.findElement(By.id("status")).getText().contains("Postgres"));
            visible("#variants tbody tr");
            screenshot("degraded");
        } finally {
            server.app.embeddedPostgres().start();
        }
    }

    @Test
    @Order(12)
    void withTheAdminApiOffThePageSaysHowToTurnItOn() throws Exception {
        final Vertx vertx = Vertx.vertx();
        try {
            final Module stub = new Module() {
                @Override
                public void declareRoutes(RouteTable routes) {
                    routes.route(HttpMethod.GET, "/v1/experiments", "admin_experiments", RouteTable.Access.ADMIN,
                        RouteTable.Exposure.SAME_ORIGIN, ctx -> Future.succeededFuture(Answer.json(200, "{}")));
                }
            };
            final JsonObject file = new JsonObject().put("http", new JsonObject().put("host", "127.0.0.1")
                .put("port", 0));
            final int port = HttpVerticle.deploy(vertx, ServerConfig.of(file, Map.of()), new Metrics(),
                List.of(new UiModule(), stub), 1, 11).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS).port();
            driver.get("http://127.0.0.1:" + port + "/ui/");
            js("sessionStorage.setItem('arbiter.adminToken', 'anything');");
            driver.navigate().refresh();
            final WebElement off = visible("#admin-off");
            assertTrue(off.getText().contains("ADMIN_TOKEN"), off.getText());
            assertContrast("admin API off");
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
