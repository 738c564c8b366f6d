"""Builds the wheel of vakwijzer_client with the generated vakwijzer.v1 stubs.

The metadata is in pyproject.toml; this file only adds a build step: protoc
(Debian's protobuf-compiler, with grpc_python_plugin from
protobuf-compiler-grpc) generates vakwijzer/v1/*_pb2.py and *_pb2_grpc.py
from the repository's proto/ folder (or $VAKWIJZER_PROTO_DIR) into the build
folder, so the wheel carries them beside vakwijzer_client.
"""
import glob
import os
import shutil
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


class BuildPyWithStubs(build_py):
    def run(self):
        super().run()
        proto_dir = os.environ.get("VAKWIJZER_PROTO_DIR",
                                   os.path.join(HERE, "..", "..", "proto"))
        protos = sorted(glob.glob(os.path.join(proto_dir, "vakwijzer", "v1", "*.proto")))
        protoc = shutil.which("protoc")
        plugin = shutil.which("grpc_python_plugin")
        if not protos:
            raise SystemExit(f"no vakwijzer/v1/*.proto under {proto_dir}: "
                             "set VAKWIJZER_PROTO_DIR to the repository's proto/ folder")
        if protoc is None or plugin is None:
            raise SystemExit("protoc and grpc_python_plugin are needed: "
                             "apt-get install protobuf-compiler protobuf-compiler-grpc")
        os.makedirs(self.build_lib, exist_ok=True)
        subprocess.check_call([
            protoc, f"--proto_path={proto_dir}",
            f"--python_out={self.build_lib}", f"--grpc_python_out={self.build_lib}",
            f"--plugin=protoc-gen-grpc_python={plugin}", *protos])


setup(cmdclass={"build_py": BuildPyWithStubs})
