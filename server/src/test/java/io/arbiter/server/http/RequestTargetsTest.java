package io.arbiter.server.http;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which request targets the router may decode without failing. */
class RequestTargetsTest {

    @Test
    void everyPercentMustStartTwoHexDigits() {
        for (final String ok : new String[] {"/", "/rtb/win?t=a.b&p=1.5", "/v1/experiments/a%2Fb?x=%C3%A9", "/%41",
            "/x?%e2%82%ac", "/x?a=%25"}) {
            assertTrue(RequestTargets.wellFormed(ok), ok);
        }
        for (final String bad : new String[] {"/rtb/win?t=x&p=%zz", "/v1/experiments/hero?%zz", "/x?%", "/x?%1",
            "/%g0", "/x?%u0041", "/x?a=%%", "/x%2"}) {
            assertFalse(RequestTargets.wellFormed(bad), bad);
        }
    }
}
