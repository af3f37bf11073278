package io.shmq.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * queue-bridge's package ({@code bridge}, above the queue and the rings, below the tooling) obeys
 * {@link PackageLayers} together with the packages of queue-core.
 */
class BridgeLayeringTest
{
    @Test
    void bridgeDependsOnlyDownward()
    {
        final JavaClasses classes = PackageLayers.productionClasses();
        assertTrue(classes.stream().anyMatch(c -> c.getPackageName().equals("io.shmq.bridge")),
            "queue-bridge's classes must be among those checked");
        assertEquals(List.of(), PackageLayers.violations(classes));
    }

    @Test
    void everyPackageHasAPlaceInTheOrder()
    {
        PackageLayers.everyPackageIsPlaced().check(PackageLayers.productionClasses());
    }
}
