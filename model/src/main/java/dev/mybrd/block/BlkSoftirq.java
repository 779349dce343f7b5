package dev.mybrd.block;

import dev.mybrd.kernel.Cpu;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.kernel.Softirq;
import java.util.ArrayDeque;

/**
 * Softirq completion of requests ({@code block/blk-softirq.c}, v4.4), one instance per machine: the
 * per-CPU {@code blk_cpu_done} lists and the {@code BLOCK_SOFTIRQ} handler.
 *
 * <p><b>Protocol.</b> {@code blk_complete_request(req)} claims the request with
 * {@code test_and_set_bit(REQ_ATOM_COMPLETE)}; if someone (a timeout, an earlier call) already holds
 * the bit the call does nothing. The claimant runs {@code __blk_complete_request} with local IRQs off:
 * the target CPU is {@code req->cpu} (the submitter, set when {@code rq_affinity} is on) or, without
 * one, this CPU. If the target is this CPU (or shares a cache with it) the request is appended to this
 * CPU's {@code blk_cpu_done}, and if the list was empty before, {@code BLOCK_SOFTIRQ} is raised here;
 * otherwise an IPI ({@code smp_call_function_single_async}) runs {@code trigger_softirq} on the target,
 * in hardirq context, which does the same append-and-raise there. {@code blk_done_softirq} takes the
 * whole list with IRQs off ({@code list_replace_init}), turns IRQs back on and calls the queue's
 * {@code softirq_done_fn} for each request in order.
 *
 * <p><b>Why nothing is lost</b> (S2): the list is only touched by its own CPU with IRQs off, so an
 * append and a drain never interleave; the raise-on-empty rule means a non-empty list always has a
 * pending softirq: either this append raised it or the append that made the list non-empty did, and
 * the drain that would clear it takes every entry at once.
 *
 * <p><b>Cache sharing.</b> The tutorial's {@code qemu -smp 4} machine has four single-core sockets,
 * so no two CPUs share a cache: {@code cpus_share_cache(a, b)} is {@code a == b} here and every
 * completion for another CPU goes through an IPI.
 */
public final class BlkSoftirq {
    private final ArrayDeque<Request>[] blkCpuDone;

    @SuppressWarnings("unchecked")
    private BlkSoftirq(Kernel kernel) {
        blkCpuDone = new ArrayDeque[kernel.nrCpus()];
        for (int i = 0; i < blkCpuDone.length; i++) {
            blkCpuDone[i] = new ArrayDeque<>();
        }
        kernel.openSoftirq(Softirq.BLOCK, this::blkDoneSoftirq);
    }

    /** {@code blk_softirq_init()} for {@code kernel}, on first use. */
    public static BlkSoftirq of(Kernel kernel) {
        return kernel.subsystem(BlkSoftirq.class, BlkSoftirq::new);
    }

    /**
     * {@code blk_complete_request(req)}: hands the request to {@code softirq_done_fn} in
     * {@code BLOCK_SOFTIRQ}, unless its completion was already claimed. True if this call claimed it.
     */
    public static boolean blkCompleteRequest(Request req) {
        req.checkLive("blk_complete_request");
        if (req.q.softirqDoneFn == null) {
            throw new KernelBug("BUG: blk_complete_request on " + req.q + " without softirq_done_fn");
        }
        if (req.markComplete()) {
            return false;
        }
        blkCompleteRequestClaimed(req);
        return true;
    }

    /** {@code __blk_complete_request(req)}: the caller owns {@code REQ_ATOM_COMPLETE}. */
    static void blkCompleteRequestClaimed(Request req) {
        Kernel kernel = req.q.kernel;
        BlkSoftirq self = req.q.softirq;
        boolean flags = kernel.localIrqSave();
        try {
            int cpu = kernel.smpProcessorId();
            int ccpu = req.cpu != -1 ? req.cpu : cpu;
            if (ccpu == cpu || !req.q.sameComp) {
                self.appendAndRaise(kernel, req);
            } else {
                kernel.smpCallFunctionSingleAsync(ccpu, "trigger_softirq " + req, () -> self.triggerSoftirq(kernel, req));
            }
        } finally {
            kernel.localIrqRestore(flags);
        }
    }

    /** {@code trigger_softirq(data)}: the IPI handler on the target CPU. */
    private void triggerSoftirq(Kernel kernel, Request req) {
        boolean flags = kernel.localIrqSave();
        appendAndRaise(kernel, req);
        kernel.localIrqRestore(flags);
    }

    /** {@code list_add_tail(&req->ipi_list, this_cpu_ptr(&blk_cpu_done))}, raising on first entry. */
    private void appendAndRaise(Kernel kernel, Request req) {
        Cpu cpu = kernel.thisCpu();
        KernelBug.bugOn(!cpu.irqsDisabled(), "blk_cpu_done touched with IRQs on");
        KernelBug.bugOn(req.onDoneList, () -> req + " is already on a blk_cpu_done list");
        ArrayDeque<Request> list = blkCpuDone[cpu.id()];
        list.addLast(req);
        req.onDoneList = true;
        if (list.peekFirst() == req) {
            kernel.raiseSoftirqIrqoff(Softirq.BLOCK);
        }
    }

    /** {@code blk_done_softirq}: drains this CPU's list in order. */
    private void blkDoneSoftirq(Kernel kernel) {
        kernel.localIrqDisable();
        ArrayDeque<Request> cpuList = blkCpuDone[kernel.smpProcessorId()];
        ArrayDeque<Request> local = new ArrayDeque<>(cpuList); // list_replace_init
        cpuList.clear();
        kernel.localIrqEnable();
        Request rq;
        while ((rq = local.pollFirst()) != null) {
            rq.onDoneList = false;
            rq.q.softirqDoneFn.accept(rq);
        }
    }

    /** Requests waiting on some CPU's done list (a racy snapshot, for reports). */
    public int pending() {
        int n = 0;
        for (ArrayDeque<Request> l : blkCpuDone) {
            n += l.size();
        }
        return n;
    }
}
