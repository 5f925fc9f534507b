# espfab — top-level build.
#
#   make            build everything buildable on this machine
#   make run        the two-site IPsec demo: two espfabd in network namespaces
#                   (installs dependencies first; ENGINE=sw|model|sim, default sw;
#                   sim builds the SystemC platform first, `make sim`, and moves 256 KB
#                   over TCP instead of 4 MB: the iterative RTL runs at ~100 KB/s)
#   make demo-esp   one ESP round trip on the model engine through espfab-esp
#   make test       every test (installs dependencies first)
#   make bench      espfab-bench on every engine, table + JSON in build/bench/
#   make bench-rtl  RTL engine throughput in simulated cycles, build/bench/rtl.json
#   make bench-rtl-dma  the same through the DMA (espfab_dma_top), build/bench/rtl-dma.json
#   make bench-sim  espfab-bench --engine sim --board all (fabric bytes/cycle through the DMA,
#                   projected per board) beside sw measured here, build/bench/sim.{json,png}
#   make bench-ike  IKEv1 tunnels/s and memory per tunnel, espfabd and strongSwan, build/bench/ike.json
#   make lint       verilator --lint-only -Wall over the RTL
#   make rtl        Verilator testbenches of the RTL (iterative and pipelined)
#   make sim        the SystemC virtual platform bin/espfab-simd-iterative (+ bin/espfab-simd
#                   pointing at it): espfab_dma_top through verilator --sc, about 1.5 min;
#                   not in `make all` (too slow), built by `make test` (docs/sim.md)
#   make sim-all    every configuration: SIM_CONFIGS (iterative, pipelined: several minutes)
#   make sim-test   the platform's self-test (tests/sim/sim_smoke.c) on the RTL and the model
#   make synth      Yosys synth_xilinx resource estimates into build/synth/
#   make board-alveo BOARD=u250|u280    Vitis flow, board/alveo/ (says so and builds nothing without Vitis)
#   make board-zynq BOARD=zcu102|zc706  Vivado flow, board/zynq/ (likewise without Vivado)
#   make check-xrt-syntax  compile the xrt engine against a stand-in of XRT's C API
#   make deps       install Debian packages the build and tests need
#
# Layout of build/ (BUILD=dir moves it; helpers use their own to avoid races):
#   gen/    generated contract header      lib/  libespfab.a, libespfab_host.a (host/ + ike/)
#   bin/    command-line tools             test/ unit test programs
#   csim/   HLS C-simulation testbenches   asan/ the same tree under ASan+UBSan
#   sim/    Verilator output per espfab-simd configuration, sim_smoke

BUILD   ?= build
CC      ?= gcc
OPT     ?= -O2
SAN     ?=
CFLAGS_COMMON := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g $(OPT) -MMD -MP \
                 -I$(BUILD)/gen -Idriver -Ihls -Ihost -Iike -Isim -Itests/support
ifeq ($(SAN),1)
CFLAGS_COMMON += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS_SAN   := -fsanitize=address,undefined
endif
# HLS sources carry #pragma HLS annotations that gcc does not know, and
# labelled loops (names for HLS directives) that gcc sees as unused labels.
CFLAGS_HLS := $(CFLAGS_COMMON) -Wno-unknown-pragmas -Wno-unused-label
LDLIBS     := -lcrypto -pthread
TEST_LIBS  := -lcmocka -lcrypto -pthread

# Alveo engine "xrt": the real one only where XRT's headers are installed
# (XRT_DIR, default /opt/xilinx/xrt); otherwise driver/engine_xrt.c builds a
# placeholder that refuses to open and says why (docs/boards.md).
XRT_DIR ?= /opt/xilinx/xrt
ifneq ($(wildcard $(XRT_DIR)/include/xrt/xrt_kernel.h),)
CFLAGS_XRT := -DESPFAB_HAVE_XRT -I$(XRT_DIR)/include
LDLIBS     += -L$(XRT_DIR)/lib -lxrt_coreutil
TEST_LIBS  += -L$(XRT_DIR)/lib -lxrt_coreutil
XRT_STATE  := built against $(XRT_DIR)
else
XRT_STATE  := not built (XRT not installed: no $(XRT_DIR)/include/xrt/xrt_kernel.h)
endif
ifeq ($(MAKELEVEL),0)
$(info engine xrt: $(XRT_STATE))
endif

# Where every test stage records its result (shared by the ASan sub-build).
export RESULTS ?= $(abspath $(BUILD))/results

CONTRACT_H := $(BUILD)/gen/espfab_contract.h
CONTRACT_VH := $(BUILD)/gen/espfab_contract.vh

HLS_SRC    := $(filter-out %_tb.c,$(wildcard hls/*/*.c))
HLS_TB     := $(wildcard hls/*/*_tb.c)
DRIVER_SRC := $(wildcard driver/*.c)
# sim/*.c: the behavioural C model of the fabric (sim/fabric_model.h), in
# libespfab for the unit tests' in-process bus and for espfab-simd --device model.
FABRIC_MODEL_SRC := $(wildcard sim/*.c)
HOST_SRC   := $(filter-out %_main.c,$(wildcard host/*.c)) $(wildcard ike/*.c)
HOST_MAINS := $(wildcard host/*_main.c)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
TEST_SUPPORT := $(wildcard tests/support/*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
LIB_ESPFAB := $(BUILD)/lib/libespfab.a
LIB_HOST   := $(BUILD)/lib/libespfab_host.a
# host/espfab_esp_main.c -> bin/espfab-esp
TOOLS      := $(foreach m,$(HOST_MAINS),$(BUILD)/bin/$(subst _,-,$(patsubst host/%_main.c,%,$(m))))
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/test/%,$(UNIT_SRC))
CSIM_BINS  := $(patsubst hls/%.c,$(BUILD)/csim/%,$(HLS_TB))

.PHONY: all run demo-esp test deps bench bench-rtl bench-rtl-dma bench-ike bench-sim unit unit-asan csim e2e clean gen lint rtl synth \
        check-xrt-syntax board-alveo board-zynq
all: $(CONTRACT_H) $(CONTRACT_VH) $(LIB_ESPFAB) $(LIB_HOST) $(TOOLS) $(UNIT_BINS) $(CSIM_BINS)

gen: $(CONTRACT_H) $(CONTRACT_VH)

$(BUILD)/tools/contractgen: tools/contractgen.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -Wall -Wextra -Werror -O1 -o $@ $<

$(CONTRACT_H): contract/espfab.contract $(BUILD)/tools/contractgen
	@mkdir -p $(dir $@)
	$(BUILD)/tools/contractgen --c $@ $<

$(CONTRACT_VH): contract/espfab.contract $(BUILD)/tools/contractgen
	@mkdir -p $(dir $@)
	$(BUILD)/tools/contractgen --verilog $@ $<

$(BUILD)/obj/hls/%.o: hls/%.c $(CONTRACT_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_HLS) -c -o $@ $<

$(BUILD)/obj/%.o: %.c $(CONTRACT_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -c -o $@ $<

$(BUILD)/obj/driver/engine_xrt.o: CFLAGS_COMMON += $(CFLAGS_XRT)

# The sim engine's last place to look for espfab-simd-CONFIG: this build's bin/.
$(BUILD)/obj/driver/engine_sim.o: CFLAGS_COMMON += -DESPFAB_SIMD_DIR='"$(abspath $(BUILD))/bin"'

$(LIB_ESPFAB): $(call obj,$(DRIVER_SRC) $(FABRIC_MODEL_SRC) $(HLS_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIB_HOST): $(call obj,$(HOST_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# Keep objects that pattern chains would otherwise delete as intermediates.
.SECONDARY:
.SECONDEXPANSION:
$(BUILD)/bin/%: $$(call obj,host/$$(subst -,_,$$*)_main.c) $(LIB_HOST) $(LIB_ESPFAB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_SAN) -o $@ $^ $(LDLIBS) -lm

$(BUILD)/test/%: $(BUILD)/obj/tests/unit/%.o $(call obj,$(TEST_SUPPORT)) $(LIB_HOST) $(LIB_ESPFAB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_SAN) -o $@ $^ $(TEST_LIBS) -lm

$(BUILD)/csim/%: $(BUILD)/obj/hls/%.o $(call obj,$(TEST_SUPPORT)) $(LIB_ESPFAB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_SAN) -o $@ $^ $(LDLIBS)

deps:
	@scripts/deps.sh

unit: $(UNIT_BINS)
	@scripts/run-tests.sh unit$(if $(SAN),-asan) $(UNIT_BINS)

csim: $(CSIM_BINS)
	@scripts/run-tests.sh csim $(CSIM_BINS)

unit-asan:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SAN=1 OPT=-O1 unit

# RTL: lint every module (both builds), then every Verilator testbench.
lint: gen
	@scripts/lint-rtl.sh $(BUILD)

rtl: all
	@scripts/rtl-tests.sh $(BUILD)

# engine_xrt.c's real code compiled (not linked) against a stand-in of
# XRT's C API declarations (tests/support/xrt_stub/), for machines without XRT.
check-xrt-syntax: gen
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -I$(BUILD)/gen -Idriver \
	  -DESPFAB_HAVE_XRT -Itests/support/xrt_stub -fsyntax-only driver/engine_xrt.c
	@echo "check-xrt-syntax: driver/engine_xrt.c compiles against tests/support/xrt_stub (not linked, not run)"

# Vendor flows (board/alveo, board/zynq; docs/boards.md).  Each says plainly
# when Vitis / Vivado is not installed and builds nothing.
board-alveo: gen
	@board/alveo/build.sh $(abspath $(BUILD)) $(or $(BOARD),u250)

board-zynq: gen
	@board/zynq/build.sh $(abspath $(BUILD)) $(or $(BOARD),zcu102)

# Resource estimate (not part of make test: minutes per pipelined core).
synth: gen
	@scripts/synth.sh $(BUILD)

e2e: all sim
	@BIN=$(abspath $(BUILD)/bin) scripts/run-tests.sh e2e $(sort $(wildcard tests/e2e/*.sh))

# The README's test command.  Each stage records its result in
# $(BUILD)/results; the last line is the overall "N passed, N failed".
test: deps
	@rm -rf $(RESULTS)
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory -k unit csim unit-asan e2e lint rtl sim-test cosim; \
	 scripts/run-tests.sh summary

ENGINE ?= sw
run: deps all $(if $(filter sim,$(ENGINE)),sim)
	@scripts/demo-two-site.sh $(abspath $(BUILD)/bin) $(ENGINE)

demo-esp: deps all
	@scripts/demo-roundtrip.sh $(abspath $(BUILD)/bin)

bench: deps all
	@mkdir -p $(BUILD)/bench
	$(BUILD)/bin/espfab-bench --engine sw --json $(BUILD)/bench/sw.json
	$(BUILD)/bin/espfab-bench --engine model --json $(BUILD)/bench/model.json

bench-rtl: all
	@scripts/bench-rtl.sh $(BUILD)

# DMA + descriptor overhead: espfab_dma_top in bench-rtl's pipelined
# configuration against bench-rtl's figures (docs/rtl-dma.md).
bench-rtl-dma: all
	@scripts/bench-rtl-dma.sh $(BUILD)

# Fabric through the DMA in the SystemC platform (docs/benchmarks.md):
# espfab-bench --engine sim --board all (bytes per fabric cycle projected
# per board profile) beside --engine sw on this machine; build/bench/sim.json,
# sim-sw.json, sim.png.  Builds the pipelined platform (several minutes once).
bench-sim: deps all # scripts/bench-sim.sh builds the espfab-simd configurations the boards need
	@scripts/bench-sim.sh $(BUILD)

# IKEv1 set-up rate (MM+QM, group 2) between two espfabd and between two
# charon, in network namespaces (root); BENCH_IKE_N tunnels (default 120, at most 128).
bench-ike: deps all
	@scripts/bench-ike.sh $(BUILD) $(BENCH_IKE_N)

# SystemC virtual platform (docs/sim.md).  The Verilated parameters are fixed
# per binary: bin/espfab-simd-CONFIG for each of SIM_CONFIGS
# (scripts/build-simd.sh names them); bin/espfab-simd is SIM_CONFIG, the one
# make test builds (iterative: the pipelined w32 design takes minutes to
# Verilate, see docs/sim.md).  build-simd.sh decides itself what is stale.
SIM_CONFIGS := iterative pipelined
SIM_CONFIG  ?= iterative
SIM_SMOKE   := $(BUILD)/sim/test/sim_smoke-rtl $(BUILD)/sim/test/sim_smoke-model
.PHONY: sim sim-all sim-test FORCE
FORCE:
sim: $(BUILD)/bin/espfab-simd
sim-all: $(foreach c,$(SIM_CONFIGS),$(BUILD)/bin/espfab-simd-$(c)) $(BUILD)/bin/espfab-simd
$(BUILD)/bin/espfab-simd-%: $(LIB_ESPFAB) $(CONTRACT_VH) FORCE
	@JOBS=2 nice scripts/build-simd.sh $(BUILD) $*
$(BUILD)/bin/espfab-simd: $(BUILD)/bin/espfab-simd-$(SIM_CONFIG)
	ln -sfn espfab-simd-$(SIM_CONFIG) $@
$(BUILD)/sim/test/sim_smoke-%: tests/sim/sim_smoke.c sim/sim_proto.h $(CONTRACT_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -DSIMD_BIN='"$(abspath $(BUILD))/bin/espfab-simd"' -DSIMD_DEVICE='"$*"' -o $@ $<
sim-test: sim $(SIM_SMOKE)
	@scripts/run-tests.sh sim $(SIM_SMOKE)

# Co-simulation (issue 5, docs/fabric-driver.md): the sim engine through
# espfab-simd-iterative --device rtl (the Verilated espfab_dma_top):
# tests/cosim/test_cosim (test_fabric_drv's engine cases on the RTL, and the
# platform dying mid-traffic) and tests/cosim/cosim_esp.sh (espfab-esp
# --engine sim = sw = model on pcaps), and tests/cosim/bench_sim_smoke.sh
# (espfab-bench --engine sim --board zc706,u250: fields, projection
# consistency; no speeds).  About 2 min once the platform is built
# (build-simd.sh decides what is stale).
COSIM_BINS := $(BUILD)/cosim/test_cosim
.PHONY: cosim
cosim: all $(COSIM_BINS)
	@JOBS=2 nice scripts/build-simd.sh $(BUILD) iterative
	@ESPFAB_SIMD=$(abspath $(BUILD))/bin/espfab-simd-iterative BIN=$(abspath $(BUILD)/bin) \
	 scripts/run-tests.sh cosim $(COSIM_BINS) $(abspath tests/cosim/cosim_esp.sh) \
	 $(abspath tests/cosim/bench_sim_smoke.sh)
$(BUILD)/cosim/%: $(BUILD)/obj/tests/cosim/%.o $(LIB_HOST) $(LIB_ESPFAB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_SAN) -o $@ $^ $(TEST_LIBS) -lm

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
