package io.shmq.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import io.shmq.ShmQueue;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * queue-core's packages obey {@link PackageLayers}; and the rules are shown to catch a breach.
 */
class LayeringTest
{
    @Test
    void noPackageOfQueueCoreDependsOnAPackageAboveIt()
    {
        final JavaClasses classes = PackageLayers.productionClasses();
        assertFalse(classes.isEmpty(), "found no production classes to check");
        assertEquals(List.of(), PackageLayers.violations(classes));
    }

    @Test
    void everyPackageHasAPlaceInTheOrder()
    {
        PackageLayers.everyPackageIsPlaced().check(PackageLayers.productionClasses());
    }

    @Test
    void anUpwardDependencyIsReported() throws ClassNotFoundException
    {
        final JavaClasses withBreach = new ClassFileImporter().importClasses(
            Class.forName("io.shmq.layout.UpwardDependencyFixture"), ShmQueue.class);
        final List<String> violations = PackageLayers.violations(withBreach);
        assertTrue(violations.stream().anyMatch(v -> v.contains("UpwardDependencyFixture") && v.contains("ShmQueue")),
            "the layout using the facade must be reported; got " + violations);
    }
}
