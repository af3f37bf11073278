package io.shmq.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * queue-native's packages ({@code nativeio} above the facade, {@code tool} on top) obey {@link PackageLayers}
 * together with queue-core's.
 */
class NativeLayeringTest
{
    @Test
    void nativeioAndToolDependOnlyDownward()
    {
        final JavaClasses classes = PackageLayers.productionClasses();
        assertTrue(classes.stream().anyMatch(c -> c.getPackageName().equals("io.shmq.nativeio")),
            "queue-native's classes must be among those checked");
        assertEquals(List.of(), PackageLayers.violations(classes));
    }

    @Test
    void everyPackageHasAPlaceInTheOrder()
    {
        PackageLayers.everyPackageIsPlaced().check(PackageLayers.productionClasses());
    }
}
