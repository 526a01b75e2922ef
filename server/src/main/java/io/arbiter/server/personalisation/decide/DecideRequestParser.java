package io.arbiter.server.personalisation.decide;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.arbiter.server.api.ApiException;
import io.arbiter.server.http.JsonBodies;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;

/**
 * Streaming parse of a decide body into a {@link Decision}, with the context limits: {@code experiment}, {@code unit},
 * {@code count}, {@code context} (attribute to string value), {@code features} (feature to finite number),
 * {@code eligible} and {@code exclude} (variant ids). Unknown fields are skipped. Every violation is a 400 naming the
 * field; nothing is counted or changed before the parse succeeds.
 */
final class DecideRequestParser {
    static final int MAX_UNIT_LENGTH = 256;

    private final ContextLimits limits;

    DecideRequestParser(ContextLimits limits) {
        this.limits = limits;
    }

    void parse(Buffer body, Decision d) throws IOException {
        try (JsonParser parser = JsonBodies.openObject(body)) {
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                final String field = parser.currentName();
                parser.nextToken();
                switch (field) {
                    case "experiment" -> d.experimentId = JsonBodies.string(parser, "experiment");
                    case "unit" -> d.unit = JsonBodies.string(parser, "unit");
                    case "count" -> d.count = JsonBodies.integer(parser, "count", 1, 1000);
                    case "context" -> context(parser, d);
                    case "features" -> features(parser, d);
                    case "eligible" -> {
                        d.eligibleCount = variants(parser, "eligible", d.eligibleNames);
                        d.eligibleGiven = true;
                    }
                    case "exclude" -> d.excludeCount = variants(parser, "exclude", d.excludeNames);
                    default -> parser.skipChildren();
                }
            }
            JsonBodies.requireEnd(parser);
        }
        JsonBodies.required(d.experimentId, "experiment");
        if (d.unit.length() > MAX_UNIT_LENGTH) {
            throw ApiException.badField("unit", "'unit' must be at most " + MAX_UNIT_LENGTH + " characters");
        }
        if (d.unit.indexOf('\u0000') >= 0) {
            throw ApiException.badField("unit", "'unit' must not contain NUL characters");
        }
    }

    private void context(JsonParser parser, Decision d) throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw ApiException.badField("context", "'context' must be an object of string values");
        }
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            final String name = parser.currentName();
            parser.nextToken();
            if (d.attributes == limits.maxAttributes()) {
                throw ApiException.badField("context", "'context' has more than " + limits.maxAttributes()
                    + " attributes");
            }
            checkName(name, "context");
            if (parser.currentToken() != JsonToken.VALUE_STRING) {
                throw ApiException.badField("context", "'context' values must be strings");
            }
            final String value = parser.getText();
            if (value.length() > limits.maxValueLength() || value.indexOf('\u0000') >= 0) {
                throw ApiException.badField("context", "'context' values must be at most "
                    + limits.maxValueLength() + " characters, without NUL");
            }
            d.attributeNames[d.attributes] = name;
            d.attributeValues[d.attributes] = value;
            d.attributes++;
        }
    }

    private void features(JsonParser parser, Decision d) throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw ApiException.badField("features", "'features' must be an object of numbers");
        }
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            final String name = parser.currentName();
            parser.nextToken();
            if (d.features == limits.maxFeatures()) {
                throw ApiException.badField("features", "'features' has more than " + limits.maxFeatures()
                    + " features");
            }
            checkName(name, "features");
            final JsonToken token = parser.currentToken();
            if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
                throw ApiException.badField("features", "'features' values must be numbers");
            }
            final double value = parser.getDoubleValue();
            if (!Double.isFinite(value)) {
                throw ApiException.badField("features", "'features' values must be finite");
            }
            d.featureNames[d.features] = name;
            d.featureValues[d.features] = value;
            final int length = parser.getTextLength();
            if (length <= Decision.FEATURE_TEXT) { // a JSON number's own text: the row copies it, no formatting
                System.arraycopy(parser.getTextCharacters(), parser.getTextOffset(), d.featureText,
                    d.features * Decision.FEATURE_TEXT, length);
                d.featureTextLength[d.features] = length;
            } else {
                d.featureTextLength[d.features] = -1;
            }
            d.features++;
        }
    }

    private void checkName(String name, String field) {
        if (name.length() > limits.maxValueLength() || name.indexOf('\u0000') >= 0) {
            throw ApiException.badField(field, "'" + field + "' names must be at most " + limits.maxValueLength()
                + " characters, without NUL");
        }
    }

    private static int variants(JsonParser parser, String field, String[] into) throws IOException {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw ApiException.badField(field, "'" + field + "' must be an array of variant ids");
        }
        int n = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (parser.currentToken() != JsonToken.VALUE_STRING) {
                throw ApiException.badField(field, "'" + field + "' must contain only variant ids (strings)");
            }
            if (n == into.length) {
                throw ApiException.badField(field, "'" + field + "' lists more than " + into.length + " variants");
            }
            into[n++] = parser.getText();
        }
        return n;
    }
}
