package io.arbiter.server;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

/**
 * The package layering written down in {@code docs/architecture.md}, held for the server's main classes: who may
 * import whom (an upward import, say {@code outcome} using {@code bid}, or {@code http} naming a module, fails), the
 * two domain modules never import each other, and nothing outside {@code metrics} touches Micrometer.
 */
class LayeringTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.arbiter.server");
    }

    /** The layers, lowest first, and who may use each. */
    static ArchRule layers() {
        return layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("Root").definedBy("io.arbiter.server")
            .layer("Api").definedBy("io.arbiter.server.api..")
            .layer("Files").definedBy("io.arbiter.server.files..")
            .layer("Config").definedBy("io.arbiter.server.config..")
            .layer("Metrics").definedBy("io.arbiter.server.metrics..")
            .layer("Http").definedBy("io.arbiter.server.http..")
            .layer("Token").definedBy("io.arbiter.server.token..")
            .layer("Pg").definedBy("io.arbiter.server.pg..")
            .layer("Outcome").definedBy("io.arbiter.server.outcome..")
            .layer("Personalisation").definedBy("io.arbiter.server.personalisation..")
            .layer("Bid").definedBy("io.arbiter.server.bid..")
            .layer("Ops").definedBy("io.arbiter.server.ops..")
            .layer("Cluster").definedBy("io.arbiter.server.cluster..")
            .layer("History").definedBy("io.arbiter.server.history..")
            .layer("Ui").definedBy("io.arbiter.server.ui..")
            .whereLayer("Root").mayNotBeAccessedByAnyLayer()
            .whereLayer("History").mayOnlyBeAccessedByLayers("Root")
            .whereLayer("Ui").mayOnlyBeAccessedByLayers("Root")
            .whereLayer("Personalisation").mayOnlyBeAccessedByLayers("Root", "History")
            .whereLayer("Bid").mayOnlyBeAccessedByLayers("Root", "History")
            .whereLayer("Ops").mayOnlyBeAccessedByLayers("Root")
            .whereLayer("Cluster").mayOnlyBeAccessedByLayers("Root")
            .whereLayer("Http").mayOnlyBeAccessedByLayers("Root", "Personalisation", "Bid", "Ops", "History", "Ui")
            .whereLayer("Outcome").mayOnlyBeAccessedByLayers("Root", "Personalisation", "Bid", "Ops")
            .whereLayer("Token").mayOnlyBeAccessedByLayers("Root", "Personalisation", "Bid")
            .whereLayer("Pg").mayOnlyBeAccessedByLayers("Root", "Outcome", "Personalisation", "Bid", "Ops")
            .whereLayer("Metrics").mayOnlyBeAccessedByLayers("Root", "Http", "Token", "Pg", "Outcome",
                "Personalisation", "Bid", "Ops", "History")
            .whereLayer("Config").mayOnlyBeAccessedByLayers("Root", "Http", "Token", "Pg", "Outcome",
                "Personalisation", "Bid", "Ops", "History", "Ui");
    }

    @Test
    void everyImportGoesDownTheLayers() {
        layers().check(classes);
    }

    @Test
    void theApiPackageImportsNothingOfTheServer() {
        noClasses().that().resideInAPackage("io.arbiter.server.api..").should().dependOnClassesThat()
            .resideOutsideOfPackages("io.arbiter.server.api..", "java..")
            .check(classes);
    }

    @Test
    void onlyTheMetricsPackageTouchesMicrometer() {
        noClasses().that().resideOutsideOfPackage("io.arbiter.server.metrics..").should().dependOnClassesThat()
            .resideInAPackage("io.micrometer..")
            .check(classes);
    }
}
