// HDF5 checkpoints: datasets and attributes in nested groups round-trip, h5py reads them, writes are atomic, and
// errors are typed.
import Foundation
import Testing
@testable import GridIO
import GridTensor

@Suite struct HDF5Tests {
    func writeCheckpoint(_ path: String, overwrite: Bool = false) throws {
        let w = try HDF5Writer(path: path, overwrite: overwrite)
        try w.writeDataset("encoder/conv1/weight", Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, -6.5]), deflate: 4)
        try w.writeDataset("encoder/conv1/bias", Tensor(shape: [2], scalars: [0.5, .nan]))
        try w.writeDataset("scalar", Tensor(2.5))
        try w.writeDataset("labels", ints: [1, -2, 3_000_000_000], shape: [3])
        try w.writeDataset("jets/images", doubles: (0..<24).map(Double.init), shape: [2, 3, 4], deflate: 9)
        try w.writeDataset("empty", Tensor(zeros: [0, 3]))
        try w.createGroup("optimizer/state")
        try w.setAttribute("format", .string("gridcnn-checkpoint"))
        try w.setAttribute("version", .int(3))
        try w.setAttribute("learning_rate", .double(1e-3))
        try w.setAttribute("shape", .ints([2, 3]), on: "encoder/conv1/weight")
        try w.setAttribute("moments", .doubles([0.9, 0.999]), on: "optimizer/state")
        try w.setAttribute("layers", .strings(["conv1", "conv2"]), on: "encoder")
        try w.setAttribute("note", .string("ünïcode ok"), on: "/encoder/conv1")
        try w.setAttribute("version", .int(4))  // replaces
        try w.finish()
    }

    @Test func roundTrip() throws {
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let path = dir.appendingPathComponent("model.h5").path
        try writeCheckpoint(path)
        #expect(temporaries(in: dir).isEmpty)
        let f = try HDF5File(path: path)
        #expect(try f.children() == ["empty", "encoder", "jets", "labels", "optimizer", "scalar"])
        #expect(try f.children(of: "encoder/conv1") == ["bias", "weight"])
        #expect(f.isGroup("encoder") && !f.isGroup("labels") && f.contains("/encoder/conv1/weight") && !f.contains("encoder/x/y"))
        let weight = try f.readTensor("encoder/conv1/weight")
        #expect(weight.shape == [2, 3] && weight.scalars == [1, 2, 3, 4, 5, -6.5])
        let bias = try f.readTensor("/encoder/conv1/bias").scalars
        #expect(bias[0] == 0.5 && bias[1].isNaN)
        #expect(try f.readTensor("scalar").shape == [] && f.readTensor("scalar").item == 2.5)
        #expect(try f.readInts("labels").values == [1, -2, 3_000_000_000])
        #expect(try f.readTensor("labels").scalars == [1, -2, 3e9])
        #expect(try f.readDoubles("jets/images").shape == [2, 3, 4])
        #expect(try f.readTensor("jets/images")[1, 2, 3] == 23)
        #expect(try f.shape(of: "empty") == [0, 3])
        #expect(try f.attribute("format") == .string("gridcnn-checkpoint"))
        #expect(try f.attribute("version") == .int(4))
        #expect(try f.attribute("learning_rate") == .double(1e-3))
        #expect(try f.attribute("shape", of: "encoder/conv1/weight") == .ints([2, 3]))
        #expect(try f.attribute("moments", of: "optimizer/state") == .doubles([0.9, 0.999]))
        #expect(try f.attribute("layers", of: "encoder") == .strings(["conv1", "conv2"]))
        #expect(try f.attribute("note", of: "encoder/conv1") == .string("ünïcode ok"))
        #expect(try f.attributeNames() == ["format", "learning_rate", "version"])
        #expect(throws: GridIOError.objectNotFound(name: "/encoder/conv2", available: ["/encoder/conv1"], path: path)) {
            try f.readTensor("encoder/conv2")
        }
        #expect(throws: GridIOError.attributeNotFound(name: "nope", owner: "/", path: path)) { try f.attribute("nope") }
        #expect(throws: GridIOError.self) { try f.readTensor("encoder") }
    }

    @Test func readableByH5py() throws {
        guard pythonHas("h5py"), let python = pythonPath else { print("skipped: python h5py not installed"); return }
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let path = dir.appendingPathComponent("model.h5").path
        try writeCheckpoint(path)
        let script = """
        import h5py, numpy as np, sys
        f = h5py.File(sys.argv[1], "r")
        w = f["encoder/conv1/weight"]
        assert w.dtype == np.float32 and w.shape == (2, 3), (w.dtype, w.shape)
        assert w.compression == "gzip" and w.shuffle
        assert np.allclose(w[...], [[1, 2, 3], [4, 5, -6.5]])
        assert np.isnan(f["encoder/conv1/bias"][1])
        assert f["labels"].dtype == np.int64 and list(f["labels"][...]) == [1, -2, 3000000000]
        assert f["jets/images"].shape == (2, 3, 4) and f["jets/images"][1, 2, 3] == 23
        assert f["scalar"].shape == () and f["scalar"][()] == 2.5
        assert f.attrs["format"] == "gridcnn-checkpoint", repr(f.attrs["format"])
        assert f.attrs["version"] == 4 and f.attrs["learning_rate"] == 1e-3
        assert list(f["encoder/conv1/weight"].attrs["shape"]) == [2, 3]
        assert list(f["encoder"].attrs["layers"]) == ["conv1", "conv2"], f["encoder"].attrs["layers"]
        assert f["encoder/conv1"].attrs["note"] == "ünïcode ok"
        assert isinstance(f["optimizer/state"], h5py.Group)
        print("h5py ok")
        """
        let result = try runTool(python, ["-c", script, path])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("h5py ok"))
    }

    @Test func readsFilesWrittenByH5py() throws {
        guard pythonHas("h5py"), let python = pythonPath else { print("skipped: python h5py not installed"); return }
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let path = dir.appendingPathComponent("py.h5").path
        let script = """
        import h5py, numpy as np, sys
        with h5py.File(sys.argv[1], "w") as f:
            f.create_dataset("a/b/u8", data=np.arange(6, dtype=np.uint8).reshape(2, 3))
            f.create_dataset("f16", data=np.array([1.5, -2], dtype=np.float16))
            f.attrs["fixed"] = np.bytes_("fixed-length")
            f.attrs["vlen"] = "variable"
            f.attrs["i32"] = np.int32(-7)
            f.attrs["f32s"] = np.array([0.5, 0.25], dtype=np.float32)
        """
        let result = try runTool(python, ["-c", script, path])
        #expect(result.status == 0, "\(result.output)")
        let f = try HDF5File(path: path)
        #expect(try f.readTensor("a/b/u8").scalars == [0, 1, 2, 3, 4, 5])
        #expect(try f.readTensor("f16").scalars == [1.5, -2])
        #expect(try f.attribute("fixed") == .string("fixed-length"))
        #expect(try f.attribute("vlen") == .string("variable"))
        #expect(try f.attribute("i32") == .int(-7))
        #expect(try f.attribute("f32s") == .doubles([0.5, 0.25]))
    }

    @Test func atomicAndErrors() throws {
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let path = dir.appendingPathComponent("ckpt.h5").path
        try writeCheckpoint(path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(throws: GridIOError.outputExists(path: path)) { try writeCheckpoint(path) }
        do {
            let w = try HDF5Writer(path: path, overwrite: true)
            try w.writeDataset("x", Tensor(ones: [3]))
            #expect(throws: GridIOError.self) { try w.writeDataset("x", Tensor(ones: [3])) }  // exists: the writer fails
            #expect(throws: GridIOError.self) { try w.finish() }
        }
        do {
            let w = try HDF5Writer(path: path, overwrite: true)
            try w.writeDataset("y", Tensor(ones: [3]))
        }  // abandoned
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(temporaries(in: dir).isEmpty)
        #expect(throws: GridIOError.self) { try HDF5Writer(path: path, overwrite: true).writeDataset("z", ints: [1, 2], shape: [3]) }

        let missing = dir.appendingPathComponent("none.h5").path
        #expect(throws: GridIOError.fileNotFound(path: missing)) { try HDF5File(path: missing) }
        let text = dir.appendingPathComponent("text.h5").path
        try "hello".write(toFile: text, atomically: true, encoding: .utf8)
        #expect(throws: GridIOError.notHDF5(path: text)) { try HDF5File(path: text) }
        let cut = dir.appendingPathComponent("cut.h5").path
        try before.prefix(before.count / 2).write(to: URL(fileURLWithPath: cut))
        #expect(throws: GridIOError.self) {
            let f = try HDF5File(path: cut)
            for name in ["encoder/conv1/weight", "jets/images", "labels"] { _ = try f.readTensor(name) }
        }
        // A NetCDF-4 file is HDF5 too.
        let nc = dir.appendingPathComponent("x.nc").path
        let w = try NetCDFWriter(path: nc)
        try w.defineDimension("x", length: 2)
        try w.defineVariable(NCVariableDefinition(name: "v", dimensions: ["x"]))
        try w.write("v", Tensor(shape: [2], scalars: [7, 8]))
        try w.finish()
        #expect(try HDF5File(path: nc).readTensor("v").scalars == [7, 8])
    }
}
