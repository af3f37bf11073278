package io.shmq.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;

import java.util.ArrayList;
import java.util.List;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * shmq's packages from the bottom up, and the rules that keep them so: a package may use only the packages below
 * it, and the runtime never uses the tooling ({@code inspect}, {@code tool}). Shared by every module's architecture
 * test so there is one list. A module's test sees only the packages on its class path: a rule about a package it
 * does not have checks nothing there, and is checked where that package lives.
 */
public final class PackageLayers
{
    /**
     * Every production package, lowest first. A package may depend on those before it, never on those after it.
     */
    public static final List<String> BOTTOM_UP = List.of(
        "io.shmq.errors",
        "io.shmq.platform",
        "io.shmq.layout",
        "io.shmq.process",
        "io.shmq.wait",
        "io.shmq.region",
        "io.shmq.ring",
        "io.shmq",
        "io.shmq.chronicle",
        "io.shmq.channel",
        "io.shmq.rpc",
        "io.shmq.nativeio",
        "io.shmq.netty",
        "io.shmq.bridge",
        "io.shmq.inspect",
        "io.shmq.tool",
        "io.shmq.bridge.tool");

    /** The tooling: what people and scripts use to look at queues; nothing that moves messages may need it. */
    public static final List<String> TOOLING = List.of("io.shmq.inspect", "io.shmq.tool", "io.shmq.bridge.tool");

    private PackageLayers()
    {
    }

    /**
     * The production classes of shmq on this test's class path (test classes and test jars left out).
     *
     * @return the classes.
     */
    public static JavaClasses productionClasses()
    {
        return new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(location -> !location.contains("-tests.jar") && !location.contains("/test-classes/"))
            .importPackages("io.shmq");
    }

    /**
     * One rule per package: it must not depend on any package above it.
     *
     * @return the rules, lowest package first.
     */
    public static List<ArchRule> rules()
    {
        final List<ArchRule> rules = new ArrayList<>();
        for (int i = 0; i < BOTTOM_UP.size() - 1; i++)
        {
            final List<String> above = BOTTOM_UP.subList(i + 1, BOTTOM_UP.size());
            rules.add(noClasses().that().resideInAPackage(BOTTOM_UP.get(i))
                .should().dependOnClassesThat().resideInAnyPackage(above.toArray(new String[0]))
                .because(BOTTOM_UP.get(i) + " sits below " + above + " (see PackageLayers.BOTTOM_UP)")
                .allowEmptyShould(true));
        }
        final List<String> runtime = new ArrayList<>(BOTTOM_UP);
        runtime.removeAll(TOOLING);
        rules.add(noClasses().that().resideInAnyPackage(runtime.toArray(new String[0]))
            .should().dependOnClassesThat().resideInAnyPackage(TOOLING.toArray(new String[0]))
            .because("the runtime never needs the tooling")
            .allowEmptyShould(true));
        return rules;
    }

    /**
     * Every class must live in one of the listed packages, so a new package gets a place in the order.
     *
     * @return the rule.
     */
    public static ArchRule everyPackageIsPlaced()
    {
        return classes()
            .should().resideInAnyPackage(BOTTOM_UP.toArray(new String[0]))
            .because("each package has a place in PackageLayers.BOTTOM_UP");
    }

    /**
     * Evaluates every rule.
     *
     * @param classes the classes to check.
     * @return the violations, one line each; empty when the layering holds.
     */
    public static List<String> violations(final JavaClasses classes)
    {
        final List<String> violations = new ArrayList<>();
        for (final ArchRule rule : rules())
        {
            final EvaluationResult result = rule.evaluate(classes);
            violations.addAll(result.getFailureReport().getDetails());
        }
        return violations;
    }
}
