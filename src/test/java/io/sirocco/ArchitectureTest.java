package io.sirocco;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/** The package rules of docs/architecture.md, checked on the compiled main classes. */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.sirocco");
    }

    @Test
    void noPackageCycles() {
        slices().matching("io.sirocco.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void engineUsesOnlyTheJdk() {
        noClasses().that().resideInAPackage("io.sirocco.engine..")
                .should().dependOnClassesThat().resideOutsideOfPackages("io.sirocco.engine..", "java..", "jdk..")
                .check(classes);
    }

    @Test
    void engineContractDependsOnNoEnginePackage() {
        noClasses().that().resideInAPackage("io.sirocco.engine")
                .should().dependOnClassesThat().resideInAPackage("io.sirocco.engine.(*)..")
                .check(classes);
    }

    @Test
    void nothingUsesTheWebPages() {
        noClasses().that().resideOutsideOfPackages("io.sirocco.admin..", "io.sirocco.console..")
                .should().dependOnClassesThat().resideInAnyPackage("io.sirocco.admin..", "io.sirocco.console..")
                .check(classes);
    }
}
