// swift-tools-version:6.0
// gridcnn: convolutional neural networks for scientific grid data.
// Dependencies run one way: CGridKernels -> GridTensor -> GridAutograd -> GridNN -> GridModels -> GridTrain -> GridTasks -> gridcnn;
// GridIO (over CNetCDF, CHDF5) -> GridTensor; GridPlot (over CCairo, GridIO) -> GridTasks; GridTrain joins models and IO (training loop, checkpoints). No unsafeFlags anywhere, so every library product can be a dependency.
import PackageDescription

let package = Package(
    name: "gridcnn",
    products: [
        .library(name: "GridTensor", targets: ["GridTensor"]),
        .library(name: "GridAutograd", targets: ["GridAutograd"]),
        .library(name: "GridNN", targets: ["GridNN"]),
        .library(name: "GridModels", targets: ["GridModels"]),
        .library(name: "GridIO", targets: ["GridIO"]),
        .library(name: "GridTrain", targets: ["GridTrain"]),
        .library(name: "GridPlot", targets: ["GridPlot"]),
        .library(name: "GridTasks", targets: ["GridTasks"]),
        .library(name: "GridExchange", targets: ["GridExchange"]),
        .library(name: "GridMPI", targets: ["GridMPI"]),
        .executable(name: "gridcnn", targets: ["gridcnn"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
        // Only a command plugin (`swift package generate-documentation`, scripts/build-docs.sh): no product links it.
        .package(url: "https://github.com/apple/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // C kernels: each hot function is compiled for AVX-512, AVX2+FMA and baseline x86-64 and picked at load time
        // (target_clones), so one binary is fast here and still runs on CPUs without AVX-512. GEMM goes to OpenBLAS.
        .target(name: "CGridKernels", linkerSettings: [.linkedLibrary("openblas"), .linkedLibrary("m")]),
        .systemLibrary(name: "CNetCDF", pkgConfig: "netcdf", providers: [.apt(["libnetcdf-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),
        .target(name: "GridTensor", dependencies: ["CGridKernels"]),
        .target(name: "GridAutograd", dependencies: ["GridTensor"]),
        .target(name: "GridNN", dependencies: ["GridAutograd", "CGridKernels"]),
        .target(name: "GridModels", dependencies: ["GridNN", "CGridKernels"]),
        .target(name: "GridIO", dependencies: ["GridTensor", "CNetCDF", "CHDF5"]),
        .target(name: "GridTrain", dependencies: ["GridModels", "GridIO", .product(name: "Crypto", package: "swift-crypto")]),
        // Figures: Cairo drawing, DejaVu text, GSHHG coastlines read through GridIO.
        .target(name: "GridPlot", dependencies: ["GridIO", "CCairo"]),
        .target(name: "GridTasks", dependencies: ["GridTrain", "GridPlot"]),
        // ONNX export (generated onnx.pb.swift is committed: no protoc plugin at build time) and PyTorch weights in.
        .target(name: "GridExchange", dependencies: ["GridTrain", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // MPI: Open MPI is loaded at run time (dlopen) when mpirun started the process, so nothing else needs MPI
        // to build or run.
        .target(name: "CGridMPI", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "GridMPI", dependencies: ["GridTensor", "CGridMPI"]),
        .executableTarget(name: "gridcnn", dependencies: [
            "GridTasks", "GridPlot", "GridExchange", "GridMPI", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "GridKernelTests", dependencies: ["CGridKernels"]),
        .testTarget(name: "GridTensorTests", dependencies: ["GridTensor"]),
        .testTarget(name: "GridAutogradTests", dependencies: ["GridAutograd"]),
        .testTarget(name: "GridNNTests", dependencies: ["GridNN"]),
        .testTarget(name: "GridModelsTests", dependencies: ["GridModels"], exclude: ["Fixtures"]),
        .testTarget(name: "GridIOTests", dependencies: ["GridIO"], exclude: ["Fixtures"]),
        .testTarget(name: "GridTrainTests", dependencies: ["GridTrain"]),
        .testTarget(name: "GridPlotTests", dependencies: ["GridPlot", "CCairo", "GridIO"], exclude: ["make_rotated_reference.py"]),
        .testTarget(name: "GridTasksTests", dependencies: ["GridTasks"]),
        .testTarget(name: "GridExchangeTests", dependencies: ["GridExchange"], exclude: ["Fixtures"]),
        .testTarget(name: "GridMPITests", dependencies: ["GridMPI", "GridTrain"]),
    ],
    swiftLanguageModes: [.v5]
)

// Examples for library users (Examples/<name>/main.swift): each uses only the public products, as a package that
// depends on gridcnn would, and scripts/run-examples.sh runs them in CI on the bundled data so they never rot.
package.targets += [
    ("read-field", ["GridIO", "GridTensor"]),
    ("train-downscale", ["GridTasks", "GridTrain"]),
    ("apply-checkpoint", ["GridTasks", "GridIO"]),
    ("label", ["GridTasks"]),
    ("autograd", ["GridTensor", "GridAutograd"]),
].map { name, products in
    .executableTarget(name: "example-\(name)", dependencies: products.map { .byName(name: $0) }, path: "Examples/\(name)")
}
