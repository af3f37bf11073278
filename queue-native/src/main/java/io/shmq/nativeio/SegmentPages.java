package io.shmq.nativeio;

/**
 * The pages behind a SysV segment. Huge pages spare the TLB and are reserved up front (no {@code SIGBUS} on
 * first touch); they must be reserved by the administrator ({@code /proc/sys/vm/nr_hugepages}).
 */
public enum SegmentPages
{
    /** Ordinary 4 KiB pages: works on any host. */
    SMALL(4096, 0),

    /** 2 MiB huge pages; fails with a message saying how to reserve them when none are free. */
    HUGE_2MB(2L << 20, LibC.SHM_HUGETLB | (21 << LibC.SHM_HUGE_SHIFT)),

    /** 1 GiB huge pages; fails with a message saying how to reserve them when none are free. */
    HUGE_1GB(1L << 30, LibC.SHM_HUGETLB | (30 << LibC.SHM_HUGE_SHIFT)),

    /** 2 MiB huge pages if the kernel grants them, otherwise 4 KiB pages: the only silent fallback. */
    HUGE_2MB_IF_AVAILABLE(2L << 20, LibC.SHM_HUGETLB | (21 << LibC.SHM_HUGE_SHIFT));

    private final long pageSize;
    private final int flags;

    SegmentPages(final long pageSize, final int flags)
    {
        this.pageSize = pageSize;
        this.flags = flags;
    }

    /**
     * Page size in bytes; segment sizes are rounded up to a multiple of it.
     *
     * @return the page size.
     */
    public long pageSize()
    {
        return pageSize;
    }

    /**
     * Whether these are huge pages.
     *
     * @return true for the huge page kinds.
     */
    public boolean isHuge()
    {
        return (flags & LibC.SHM_HUGETLB) != 0;
    }

    /**
     * The {@code shmget} flags for these pages.
     *
     * @return flags to or into {@code shmflg}.
     */
    int shmgetFlags()
    {
        return flags;
    }

    /**
     * {@code size} rounded up to whole pages.
     *
     * @param size bytes wanted.
     * @return bytes to ask for.
     */
    public long roundUp(final long size)
    {
        return (size + pageSize - 1) / pageSize * pageSize;
    }
}
