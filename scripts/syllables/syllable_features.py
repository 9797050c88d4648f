# gridcnn's syllable token in numpy (a peer of Sources/GridTasks/Sequence/SpeechFeatures.swift), and corpus loading.
import numpy as np, os, glob, scipy.io.wavfile as wf
SR=16000; N=400; HOP=160; NFFT=512
def mel(h): return 2595*np.log10(1+h/700)
def imel(m): return 700*(10**(m/2595)-1)
def fbank(bands=16, lo=0, hi=8000):
    e=imel(np.linspace(mel(lo),mel(hi),bands+2)); f=np.arange(NFFT//2+1)*SR/NFFT
    W=np.zeros((bands,len(f)))
    for b in range(bands):
        l,c,r=e[b],e[b+1],e[b+2]; W[b]=np.maximum(0,np.minimum((f-l)/(c-l),(r-f)/(r-c)))
    return W
HAM=0.54-0.46*np.cos(2*np.pi*np.arange(N)/(N-1))
FB=fbank()
def load(p):
    r,x=wf.read(p); assert r==SR; return x.astype(np.float32)/32768
def power(x):
    y=x.copy(); y[1:]=x[1:]-0.97*x[:-1]
    if len(y)<N: y=np.pad(y,(0,N-len(y)))
    c=1+(len(y)-N)//HOP
    fr=np.stack([y[i*HOP:i*HOP+N]*HAM for i in range(c)])
    return np.abs(np.fft.rfft(fr,NFFT))**2
def onset(P, below=12.0):
    f=np.arange(NFFT//2+1)*SR/NFFT; m=(f>=100)&(f<=1000)
    e=np.log(P[:,m].sum(1)+1e-10); t=len(e)
    s=np.array([e[max(0,i-1):min(t,i+2)].mean() for i in range(t)])
    return int(np.argmax(s>=s.max()-below/10*np.log(10)))
def token(x, frames=15, before=5, shift=0, fb=None, floor=1e-3, scale=True):
    fb=FB if fb is None else fb
    P=power(x); M=np.log(P@fb.T+floor); o=onset(P)
    idx=np.clip(np.arange(frames)+o-before+shift,0,len(M)-1)
    T=M[idx].T
    if scale:
        T=T-T.mean(); T=T/max(np.abs(T).max(),1e-6)
    return T,o
def corpus(root):
    out=[]
    for v in sorted(os.listdir(root)):
        d=os.path.join(root,v)
        if not os.path.isdir(d): continue
        for f in sorted(os.listdir(d)):
            if f.endswith('.wav') and f[0] in 'bdg':
                out.append((v,'bdg'.index(f[0]),f[:2],load(os.path.join(d,f))))
    return out
def group(v):
    if v.startswith('festival-'): return v.split('-')[1]
    if v.startswith('flite-'): return 'flite'
    return 'espeak'
